//! Text from a case file on its way out: to a terminal (no control
//! characters, so a case cannot move the cursor or retitle the window), into
//! a CSV cell (no formula a spreadsheet would run), onto the screen or into
//! a picture (bounded, with a marker where it was cut), into XML (GraphML,
//! GEXF, SVG).

use std::borrow::Cow;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 account`, `1,234 accounts`: a count with its noun, singular or plural.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The most characters of a name drawn on a graph, a legend, a caption or
/// a chart title.
pub const MAX_DRAWN_CHARS: usize = 80;

/// `text` as drawn in a picture or on the graph: at most
/// [`MAX_DRAWN_CHARS`] characters, cut with "…". A case may hold names of a
/// megabyte; drawn whole, one would need a texture no renderer has.
pub fn for_drawing(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_DRAWN_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// The marker put where text was cut for display.
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// `text` without control characters (C0, DEL and C1, `ESC` included), for
/// printing on a terminal. Line breaks and tabs become spaces: one field
/// stays on one line.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// [`terminal_safe`], but keeping line breaks (multi-line notes).
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// A CSV cell that a spreadsheet shows as text: a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
/// advice against formula injection), and control characters other than
/// line breaks and tabs are dropped.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    let cleaned: Cow<'_, str> = if cell
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Cow::Owned(
            cell.chars()
                .filter(|&c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
                .collect(),
        )
    } else {
        Cow::Borrowed(cell)
    };
    if cleaned.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cleaned}"))
    } else {
        cleaned
    }
}

/// `text` cut to at most `max_bytes` (on a character boundary), with
/// [`TRUNCATION_MARKER`] appended when it was cut.
pub fn truncate_for_display(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{TRUNCATION_MARKER}", &text[..end]))
}

/// [`truncate_for_display`] in place.
pub fn truncate_in_place(text: &mut String, max_bytes: usize) {
    if let Cow::Owned(cut) = truncate_for_display(text, max_bytes) {
        *text = cut;
    }
}

/// Writes `text` escaped for XML 1.0 text and attribute values: the five
/// markup characters as entities, tab and line ends as character
/// references (so attribute values keep them), and the characters XML 1.0
/// forbids (other C0 controls, U+FFFE, U+FFFF) as U+FFFD.
pub fn write_xml_escaped(out: &mut impl std::io::Write, text: &str) -> std::io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\t' => "&#9;",
            '\n' => "&#10;",
            '\r' => "&#13;",
            '\u{0}'..='\u{8}'
            | '\u{b}'
            | '\u{c}'
            | '\u{e}'..='\u{1f}'
            | '\u{fffe}'
            | '\u{ffff}' => "\u{fffd}",
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..i])?;
        out.write_all(replacement.as_bytes())?;
        start = i + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])
}

/// Appends `text` as a JSON string literal.
pub fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_loses_escape_sequences() {
        assert_eq!(terminal_safe("a\u{1b}[2Jb\u{9b}c\nd"), "a[2Jbc d");
        assert_eq!(terminal_safe_lines("a\u{1b}]0;x\u{7}\nb"), "a]0;x\nb");
    }

    #[test]
    fn csv_cells_that_start_a_formula_are_quoted() {
        assert_eq!(csv_safe("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for lead in ["+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(csv_safe(lead).starts_with('\''), "{lead:?}");
        }
        assert_eq!(csv_safe("alice"), "alice");
        assert_eq!(csv_safe("\u{1b}=1"), "'=1");
    }

    #[test]
    fn truncation_keeps_characters_whole_and_says_so() {
        assert_eq!(truncate_for_display("héllo", 2), "h…[truncated]");
        assert_eq!(truncate_for_display("hi", 2), "hi");
    }
}
