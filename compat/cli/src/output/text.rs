//! State of the text format: the stack of open lists (no I/O).

struct List {
    len: usize,
    singular: Option<String>,
    plural: Option<String>,
}

/// Open lists and whether `--text-fancy` is on.
pub(super) struct TextState {
    pub(super) fancy: bool,
    lists: Vec<List>,
}

impl TextState {
    pub(super) fn new(fancy: bool) -> Self {
        TextState {
            fancy,
            lists: Vec::new(),
        }
    }

    /// Indentation for the current list depth (`--text-fancy` only).
    pub(super) fn prefix(&self) -> String {
        if !self.fancy {
            return String::new();
        }
        let level = self.lists.len();
        let mut s = "  ".repeat(level);
        if level > 0 {
            s.push_str("* ");
        }
        s
    }

    pub(super) fn begin(&mut self, singular: Option<&str>, plural: Option<&str>) {
        self.lists.push(List {
            len: 0,
            singular: singular.map(str::to_string),
            plural: plural.map(str::to_string),
        });
    }

    pub(super) fn increment(&mut self) {
        if let Some(list) = self.lists.last_mut() {
            list.len += 1;
        }
    }

    /// Close the innermost list; the "N things found" line if it has nouns.
    pub(super) fn end(&mut self) -> Option<String> {
        let list = self.lists.pop()?;
        let (Some(singular), Some(plural)) = (list.singular, list.plural) else {
            return None;
        };
        let noun = if list.len == 1 { singular } else { plural };
        Some(format!("{}{} {noun} found\n", self.prefix(), list.len))
    }
}
