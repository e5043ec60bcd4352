//! What every sortable table of the shell shares: which column it is
//! sorted by and which way, a click on a column's name, and the header row
//! (a button per sortable column, an arrow after the sorted one).

use egui::RichText;

/// Which column a table is sorted by, and which way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sorting<K> {
    /// The column.
    pub key: K,
    /// Highest first.
    pub descending: bool,
}

impl<K: Copy + PartialEq> Sorting<K> {
    /// Sorted by `key`, highest first.
    pub fn new(key: K) -> Self {
        Self {
            key,
            descending: true,
        }
    }

    /// A click on the name of column `key`: the other way round when the
    /// table is sorted by it, else sorted by it, highest first.
    pub fn click(&mut self, key: K) {
        if key == self.key {
            self.descending = !self.descending;
        } else {
            self.key = key;
            self.descending = true;
        }
    }

    /// The header row: each column's name, a frameless button when the
    /// table can be sorted by it (`Some(key)`), and an arrow after the
    /// column it is sorted by. Returns the column whose name was clicked.
    pub fn header_ui<S: AsRef<str>>(
        &self,
        header: &mut egui_extras::TableRow<'_, '_>,
        columns: impl IntoIterator<Item = (S, Option<K>)>,
    ) -> Option<K> {
        let mut clicked = None;
        for (name, key) in columns {
            header.col(|ui| {
                let label = RichText::new(name.as_ref()).strong();
                ui.horizontal(|ui| match key {
                    Some(k) => {
                        if ui.add(egui::Button::new(label).frame(false)).clicked() {
                            clicked = Some(k);
                        }
                        if k == self.key {
                            arrow_ui(ui, self.descending);
                        }
                    }
                    None => {
                        ui.label(label);
                    }
                });
            });
        }
        clicked
    }
}

/// A small painted triangle after the sorted column's name (pointing down
/// when the highest values come first).
fn arrow_ui(ui: &mut egui::Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    let c = rect.center();
    let points = if descending {
        vec![
            c + egui::vec2(-4.0, -2.5),
            c + egui::vec2(4.0, -2.5),
            c + egui::vec2(0.0, 3.5),
        ]
    } else {
        vec![
            c + egui::vec2(-4.0, 2.5),
            c + egui::vec2(4.0, 2.5),
            c + egui::vec2(0.0, -3.5),
        ]
    };
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        ui.visuals().strong_text_color(),
        egui::Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::Sorting;

    #[test]
    fn a_click_on_the_sorted_column_turns_it_round_and_on_another_sorts_by_it_highest_first() {
        let mut s = Sorting::new(1);
        assert!(s.descending);
        s.click(1);
        assert_eq!(
            s,
            Sorting {
                key: 1,
                descending: false
            }
        );
        s.click(2);
        assert_eq!(
            s,
            Sorting {
                key: 2,
                descending: true
            }
        );
        s.click(2);
        s.click(2);
        assert_eq!(
            s,
            Sorting {
                key: 2,
                descending: true
            }
        );
    }
}
