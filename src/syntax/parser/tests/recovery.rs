//! After a syntax error the parser resumes at the next declaration.

use super::{codes, parse, primary_line};
use crate::diagnostic::Code;

const TWO_BROKEN: &str = "\
entity user {
  key user_id: string
}

source events {
  schema {
    user_id: string
    event_ts: timestamp
  }
  evnt_time event_ts
}

table profile {
  key user_id
}

features activity on user from events {
  window sliding(1h 15m)
  n = count(*)
}

service model {
  include activity.*
}
";

#[test]
fn two_broken_declarations_give_two_errors_and_the_good_ones_are_kept() {
    let (file, diags) = parse(TWO_BROKEN);
    assert_eq!(codes(&diags), vec![Code::SYNTAX, Code::SYNTAX]);
    let lines: Vec<usize> = diags.iter().map(|d| primary_line(TWO_BROKEN, d)).collect();
    assert_eq!(lines, vec![10, 18]);
    let names: Vec<&str> = file.decls.iter().map(|d| d.name().name.as_str()).collect();
    assert_eq!(names, vec!["user", "profile", "model"]);
}

#[test]
fn garbage_between_declarations_is_one_error() {
    let text = "entity a { key x: int }\n}}} oops ((\nentity b { key y: int }\n";
    let (file, diags) = parse(text);
    assert_eq!(codes(&diags), vec![Code::SYNTAX]);
    assert_eq!(primary_line(text, &diags[0]), 2);
    assert!(
        diags[0].message.contains("a declaration"),
        "{}",
        diags[0].message
    );
    assert_eq!(file.decls.len(), 2);
}

#[test]
fn value_errors_do_not_lose_the_declaration_or_stop_the_file() {
    let text = "entity User { key id: string }\nfeatures f on user from s {\n  ttl 0d\n  x = 99999999999999999999\n}\nentity c { key id: int }";
    let (file, diags) = parse(text);
    assert_eq!(
        codes(&diags),
        vec![
            Code::BAD_IDENTIFIER,
            Code::BAD_DURATION,
            Code::INT_OUT_OF_RANGE
        ]
    );
    let names: Vec<&str> = file.decls.iter().map(|d| d.name().name.as_str()).collect();
    assert_eq!(names, vec!["user", "f", "c"]);
}

#[test]
fn declarations_may_share_a_line() {
    let (file, diags) = parse("entity a { key x: int } entity b { key y: int }");
    assert!(diags.is_empty());
    assert_eq!(file.decls.len(), 2);
}
