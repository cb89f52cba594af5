//! Any text: the parser must not panic, and every span it reports must lie in the text.

#![no_main]

use featc::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file, diagnostics) = featc::syntax::parse(FileId(0), text);
    let in_text = |start: u32, end: u32| {
        let (start, end) = (start as usize, end as usize);
        start <= end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
    };
    for diagnostic in &diagnostics {
        for label in diagnostic.primary.iter().chain(&diagnostic.secondary) {
            assert!(in_text(label.span.start, label.span.end), "{diagnostic:?}");
        }
    }
    for decl in &file.decls {
        let span = decl.name().span;
        assert!(in_text(span.start, span.end), "{decl:?}");
    }
});
