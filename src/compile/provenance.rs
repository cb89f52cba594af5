//! Where a generated statement comes from: the declaration's kind, name and file, written as
//! the statement's first comment. Not the line: adding a feature above a declaration must not
//! change the artifacts of the declarations it does not touch (authors review these files in
//! pull requests); the name finds the declaration in its file.

use crate::source::Location;

/// `view user_activity (views.feat)`.
pub fn provenance(kind: &str, name: &str, location: &Location) -> String {
    format!("{kind} {name} ({})", location.file)
}
