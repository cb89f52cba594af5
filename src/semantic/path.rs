//! Batch locations: written relative to the `.feat` file that declares them, stored in the plan
//! relative to the project root (as every file name in the source map is).

/// Resolves `location`, written in the `.feat` file named `feat_file` (relative to the project
/// root, `/`-separated), to a path relative to the project root, normalised (`a/./b/../c` →
/// `a/c`). Absolute paths (`/data`, `C:/data`) and URLs (`s3://bucket/x`) are kept as written.
/// A location that climbs above the root keeps its leading `..` segments.
pub(crate) fn resolve_batch_path(feat_file: &str, location: &str) -> String {
    if is_absolute(location) {
        return location.to_string();
    }
    let directory = feat_file.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut parts: Vec<&str> = Vec::new();
    for segment in directory.split('/').chain(location.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            normal => parts.push(normal),
        }
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

fn is_absolute(location: &str) -> bool {
    let bytes = location.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    location.starts_with('/')
        || location.starts_with('\\')
        || windows_drive
        || location.contains("://")
}

#[cfg(test)]
mod tests {
    use super::resolve_batch_path;

    #[test]
    fn locations_are_relative_to_the_declaring_file() {
        assert_eq!(
            resolve_batch_path("sources.feat", "data/events"),
            "data/events"
        );
        assert_eq!(
            resolve_batch_path("features/sources.feat", "data/events.parquet"),
            "features/data/events.parquet"
        );
        assert_eq!(
            resolve_batch_path("features/sub/sources.feat", "../data/./x/../events.csv"),
            "features/data/events.csv"
        );
    }

    #[test]
    fn climbing_above_the_root_keeps_the_dots() {
        assert_eq!(
            resolve_batch_path("a.feat", "../shared/x.parquet"),
            "../shared/x.parquet"
        );
        assert_eq!(resolve_batch_path("f/a.feat", "../../x"), "../x");
        assert_eq!(resolve_batch_path("f/a.feat", ".."), ".");
    }

    #[test]
    fn absolute_paths_and_urls_are_kept() {
        assert_eq!(
            resolve_batch_path("f/a.feat", "/data/events/*.parquet"),
            "/data/events/*.parquet"
        );
        assert_eq!(
            resolve_batch_path("f/a.feat", "s3://bucket/events/"),
            "s3://bucket/events/"
        );
        assert_eq!(
            resolve_batch_path("f/a.feat", "C:/data/x.csv"),
            "C:/data/x.csv"
        );
    }

    #[test]
    fn globs_and_trailing_slashes() {
        assert_eq!(
            resolve_batch_path("f/a.feat", "./data/*.parquet"),
            "f/data/*.parquet"
        );
        assert_eq!(resolve_batch_path("f/a.feat", "data/"), "f/data");
    }
}
