//! What `featc serve` says at start-up about the online tables it finds: nothing when they
//! match the plan, "not deployed yet" when one is missing, and the missing columns with the
//! fix when one was created for an earlier version of its view.

use super::harness::schema_url;
use crate::support::db::{apply_ddl, with_schema};
use crate::support::fixture;
use featc::runtime::serve::{LookupError, LookupPool, ServeConfig, Server};
use std::sync::Arc;
use tokio_postgres::Client;

async fn problems(url: &str, plan: &featc::plan::Plan) -> Vec<(String, LookupError)> {
    let store = LookupPool::new(url, 1).expect("a valid URL");
    let server = Server::new(plan, store, ServeConfig::default()).expect("the lookups generate");
    server.check_services().await
}

#[tokio::test]
async fn start_up_names_the_columns_a_table_lacks_and_tells_a_missing_table_apart() {
    with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        let url = schema_url(&client).await;
        apply_ddl(&client, &plan).await;
        let found = problems(&url, &plan).await;
        assert!(found.is_empty(), "{found:?}");

        // A table as an earlier version of `spend` (without `last_qty`) left it.
        let table = &plan.view("spend").expect("a view").online.table;
        client
            .batch_execute(&format!(
                "ALTER TABLE \"{table}\" DROP COLUMN \"last_qty__value\""
            ))
            .await
            .expect("the column drops");
        let found = problems(&url, &plan).await;
        let [(service, problem)] = &found[..] else {
            panic!("one service, one problem: {found:?}")
        };
        let text = problem.to_string();
        assert_eq!(service, "model");
        assert!(
            matches!(problem, LookupError::ColumnsMissing(_))
                && !problem.is_unavailable()
                && text.contains("\"last_qty__value\" (the state of `last_qty`)")
                && text.contains(&format!("DROP TABLE \"{table}\"")),
            "{text}"
        );

        // No table at all: a deployment in progress, not a mismatch.
        client
            .batch_execute(&format!("DROP TABLE \"{table}\""))
            .await
            .expect("the table drops");
        let found = problems(&url, &plan).await;
        let [(_, problem)] = &found[..] else {
            panic!("one problem: {found:?}")
        };
        assert!(problem.is_unavailable(), "{problem}");
    })
    .await;
}
