//! The examples' training sets, as their READMEs build them, snapshotted as tables: a change
//! in any value at any label shows up in review. (Correctness against an independent oracle is
//! `pit.rs`; this pins the examples' hand-checked cases and their presentation.)

use crate::support::example::{self as examples, run_training_set};
use crate::support::values::read_parquet;
use datafusion::arrow::util::pretty::pretty_format_batches;

/// (example, service, labels file, snapshot name).
const EXAMPLES: [(&str, &str, &str, &str); 5] = [
    (
        "user_activity",
        "churn_model",
        "labels.csv",
        "user_activity",
    ),
    ("recommender", "recommend", "labels.csv", "recommender"),
    (
        "recommender",
        "spend_forecast",
        "labels.csv",
        "recommender_spend_forecast",
    ),
    ("fraud", "fraud_scoring", "labels.csv", "fraud"),
    (
        "fraud",
        "transfer_scoring",
        "transfer_labels.csv",
        "fraud_transfers",
    ),
];

#[test]
fn example_training_sets() {
    for (example, service, labels_file, name) in EXAMPLES {
        let dir = examples::dir(example);
        let out = std::env::temp_dir().join(format!(
            "featc-it-training-{name}-{}.parquet",
            std::process::id()
        ));
        run_training_set(&dir, service, &dir.join(labels_file), &out, &[]);

        let batches = read_parquet(&out);
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let labels = std::fs::read_to_string(dir.join(labels_file)).expect("labels");
        assert_eq!(
            rows,
            labels.lines().count() - 1,
            "{example}: one output row per label row"
        );
        let table = pretty_format_batches(&batches)
            .expect("printable")
            .to_string();
        insta::with_settings!({
            snapshot_path => "../../snapshots/training",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, table);
        });
        let _ = std::fs::remove_file(&out);
    }
}
