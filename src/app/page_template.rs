//! Pages that Leptos renders once per shape, then filled in per request.
//!
//! A hot page (the end-session dialog) is rendered with a marked slot in place
//! of each per-request value, split at the marks once, and from then on each
//! request only copies the markup and escapes its values into the slots. The
//! markup stays in `view!`; the per-request cost drops from a full render to a
//! string copy.

/// Encloses a slot's name in the rendered page: a private-use character that
/// Leptos does not escape and that none of our texts contain. A *value* that
/// contains it is harmless: values are escaped into slots, never re-parsed.
const MARK: char = '\u{E000}';

/// What to render in place of a value: the slot's name, between marks.
pub fn slot(name: &str) -> String {
    format!("{MARK}{name}{MARK}")
}

/// A rendered page, split into markup and named slots.
#[derive(Debug)]
pub struct PageTemplate {
    parts: Vec<Part>,
    markup_len: usize,
}

#[derive(Debug)]
enum Part {
    Markup(String),
    Slot(String),
}

impl PageTemplate {
    /// Splits a page rendered with [`slot`]s in it.
    pub fn compile(rendered: &str) -> Self {
        let parts: Vec<Part> = rendered
            .split(MARK)
            .enumerate()
            .map(|(i, piece)| match i % 2 {
                0 => Part::Markup(piece.to_owned()),
                _ => Part::Slot(piece.to_owned()),
            })
            .collect();
        let markup_len = parts
            .iter()
            .map(|p| match p {
                Part::Markup(m) => m.len(),
                Part::Slot(_) => 0,
            })
            .sum();
        Self { parts, markup_len }
    }

    /// The page with each slot replaced by `value(name)`, escaped for HTML
    /// text and quoted attributes alike.
    pub fn fill<'a>(&self, value: impl Fn(&str) -> &'a str) -> String {
        let mut out = String::with_capacity(self.markup_len * 5 / 4);
        for part in &self.parts {
            match part {
                Part::Markup(markup) => out.push_str(markup),
                Part::Slot(name) => escape_into(&mut out, value(name)),
            }
        }
        out
    }
}

/// Escapes `& < > " '`, copying the runs between them whole. A byte loop:
/// the five are ASCII, so every cut falls on a character boundary, and no
/// character is decoded on the way (a char-set `find` decoded each one, and
/// cost 5 % of the dialog).
fn escape_into(out: &mut String, text: &str) {
    let mut run_start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[run_start..at]);
        out.push_str(entity);
        run_start = at + 1;
    }
    out.push_str(&text[run_start..]);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn escaping_leaves_no_markup_and_loses_nothing(text in ".*") {
            let mut out = String::new();
            escape_into(&mut out, &text);
            prop_assert!(!out.contains(['<', '>', '"', '\'']));
            let back = out
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            prop_assert_eq!(back, text);
        }
    }

    #[test]
    fn slots_are_filled_with_their_values_and_markup_is_kept() {
        let page = format!(
            "<p>Hi {}</p><input value=\"{}\">",
            slot("name"),
            slot("csrf")
        );
        let template = PageTemplate::compile(&page);
        let html = template.fill(|slot| match slot {
            "name" => "Ada",
            _ => "t0k",
        });
        assert_eq!(html, "<p>Hi Ada</p><input value=\"t0k\">");
    }

    #[test]
    fn values_cannot_break_out_of_text_or_attributes() {
        let page = format!("<p>{}</p><input value=\"{}\">", slot("a"), slot("b"));
        let template = PageTemplate::compile(&page);
        let html = template.fill(|_| "\"><script>alert('x')</script>&");
        assert!(!html.contains("<script>"));
        assert_eq!(
            html.matches("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;")
                .count(),
            2
        );
    }

    #[test]
    fn a_value_that_contains_the_mark_is_only_text() {
        let template = PageTemplate::compile(&format!("<p>{}</p>", slot("a")));
        let sneaky = slot("b");
        assert_eq!(template.fill(|_| &sneaky), format!("<p>{sneaky}</p>"));
    }
}
