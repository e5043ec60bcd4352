//! Where requests come from, without a geo-IP database the case does not
//! hold: a matrix of ASNs (or networks, or billing countries) against
//! groups of accounts — the suspected campaigns, the selection, everyone
//! else — each cell the requests (and accounts) of that group from that
//! place, so that a proxy's ASN shared by three campaigns, or a campaign
//! that comes from nowhere else, shows at a glance. Built on the query
//! worker from [`OriginRows`] (countries from the accounts' rows); drawn
//! by the workbench's Networks tab.

use rustc_hash::FxHashMap;

use crate::case::workbench::{AccountRow, OriginRows};
use crate::views::model::Loaded;
use crate::views::palette;

/// What the rows of the matrix are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Axis {
    /// Autonomous systems.
    #[default]
    Asn,
    /// Networks (/24 or /48 prefixes, else addresses).
    Network,
    /// Billing countries (of the accounts, not of the requests).
    Country,
}

impl Axis {
    /// How the axis reads in the panel.
    pub fn label(self) -> &'static str {
        match self {
            Axis::Asn => "ASNs",
            Axis::Network => "Networks",
            Axis::Country => "Billing countries",
        }
    }
}

/// The most rows shown (the places with the most requests over the
/// columns); the rest are summed in one row.
pub const MAX_ROWS: usize = 24;

/// One cell: requests and the accounts that sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Requests (for countries: all the accounts' requests).
    pub exchanges: u64,
    /// The accounts, ascending.
    pub accounts: Vec<u32>,
}

/// The matrix.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matrix {
    /// What the rows are.
    pub axis: Axis,
    /// Row labels (places), most requests first; the last may be
    /// "N others".
    pub rows: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// Each column's requests in all.
    pub column_totals: Vec<u64>,
}

/// A place's label on the axis.
fn place(axis: Axis, network: &str, asn: Option<i64>) -> String {
    match axis {
        Axis::Asn => asn.map_or_else(|| "no ASN recorded".to_string(), |a| format!("AS{a}")),
        _ => {
            if network.is_empty() {
                "no address recorded".into()
            } else {
                network.to_string()
            }
        }
    }
}

/// The matrix of `axis` against `columns` groups: `column_of[account]` is
/// the account's column (`u32::MAX`: not shown); the accounts of
/// `also.0` (ascending) count in column `also.1` as well (the selection,
/// beside the campaigns its accounts are in). Requests per place come
/// from `origins` (ASNs and networks) or, for countries, the accounts'
/// rows (`accounts`).
pub fn matrix(
    axis: Axis,
    origins: &OriginRows,
    accounts: &[AccountRow],
    column_of: &[u32],
    columns: usize,
    also: (&[u32], u32),
) -> Matrix {
    // place → per column (requests, accounts).
    let mut by_place: FxHashMap<String, Vec<Cell>> = FxHashMap::default();
    let mut add = |label: String, column: usize, account: u32, n: u64| {
        let cells = by_place
            .entry(label)
            .or_insert_with(|| vec![Cell::default(); columns]);
        let cell = &mut cells[column];
        cell.exchanges += n;
        if cell.accounts.last() != Some(&account) {
            cell.accounts.push(account);
        }
    };
    // Each account's columns: its own, and the extra one if it is in it.
    let columns_of = |account: u32| {
        let own = column_of
            .get(account as usize)
            .map(|&c| c as usize)
            .filter(|&c| c < columns);
        let extra = also
            .0
            .binary_search(&account)
            .ok()
            .map(|_| also.1 as usize)
            .filter(|&c| c < columns && Some(c) != own);
        own.into_iter().chain(extra)
    };
    match axis {
        Axis::Country => {
            for (account, row) in accounts.iter().enumerate() {
                for c in columns_of(account as u32) {
                    let label = row
                        .billing_country
                        .clone()
                        .unwrap_or_else(|| "no country recorded".into());
                    add(label, c, account as u32, row.exchanges);
                }
            }
        }
        Axis::Asn | Axis::Network => {
            let mut rows: Vec<&(u32, i64, u64)> = origins
                .rows
                .iter()
                .filter(|(a, _, _)| columns_of(*a).next().is_some())
                .collect();
            rows.sort_unstable_by_key(|(a, o, _)| (*a, *o));
            for &&(account, origin, n) in &rows {
                let (network, asn) = origins
                    .origins
                    .get(&origin)
                    .map_or(("", None), |(net, asn)| (net.as_str(), *asn));
                for c in columns_of(account) {
                    add(place(axis, network, asn), c, account, n);
                }
            }
        }
    }
    let mut places: Vec<(String, Vec<Cell>)> = by_place.into_iter().collect();
    for (_, cells) in &mut places {
        for cell in cells.iter_mut() {
            cell.accounts.sort_unstable();
            cell.accounts.dedup();
        }
    }
    let total = |cells: &[Cell]| cells.iter().map(|c| c.exchanges).sum::<u64>();
    places.sort_by(|a, b| total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(&b.0)));
    if places.len() > MAX_ROWS {
        let rest = places.split_off(MAX_ROWS - 1);
        let count = rest.len();
        let mut cells = vec![Cell::default(); columns];
        for (_, row) in rest {
            for (sum, cell) in cells.iter_mut().zip(row) {
                sum.exchanges += cell.exchanges;
                sum.accounts.extend(cell.accounts);
            }
        }
        for cell in &mut cells {
            cell.accounts.sort_unstable();
            cell.accounts.dedup();
        }
        places.push((format!("{count} others"), cells));
    }
    let mut column_totals = vec![0u64; columns];
    for (_, cells) in &places {
        for (t, c) in column_totals.iter_mut().zip(cells) {
            *t += c.exchanges;
        }
    }
    let (rows, cells) = places.into_iter().unzip();
    Matrix {
        axis,
        rows,
        cells,
        column_totals,
    }
}

/// A column of the matrix as it is headed.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkColumn {
    /// Its name (`k13`, "selection", "everyone else").
    pub label: String,
    /// Its colour.
    pub color: egui::Color32,
}

/// The columns of the matrix for `loaded` and a `selection` (empty: none):
/// the selection (its accounts count in its column and in their own), each
/// suspected campaign, everyone else. Returns the columns, each account's
/// own column, and the selection ascending.
pub fn columns_for(loaded: &Loaded, selection: &[u32]) -> (Vec<NetworkColumn>, Vec<u32>, Vec<u32>) {
    let mut columns: Vec<NetworkColumn> = Vec::new();
    let mut column_of = vec![u32::MAX; loaded.accounts.len()];
    let mut selection = selection.to_vec();
    selection.sort_unstable();
    selection.dedup();
    if !selection.is_empty() {
        columns.push(NetworkColumn {
            label: "selection".into(),
            color: palette::SELECTION,
        });
    }
    for k in (0..loaded.campaigns.len()).filter(|&k| loaded.campaigns[k].suspected) {
        let c = columns.len() as u32;
        for &a in loaded.campaign_members(k) {
            if let Some(slot) = column_of.get_mut(a as usize).filter(|s| **s == u32::MAX) {
                *slot = c;
            }
        }
        columns.push(NetworkColumn {
            label: loaded.campaigns[k].id.clone(),
            color: palette::campaign_swatch(loaded, k),
        });
    }
    let rest = columns.len() as u32;
    for slot in column_of.iter_mut().filter(|s| **s == u32::MAX) {
        *slot = rest;
    }
    columns.push(NetworkColumn {
        label: "everyone else".into(),
        color: palette::ALL_TRAFFIC,
    });
    (columns, column_of, selection)
}

/// Draws `matrix` as a table under `columns`' heads, each cell its
/// requests (or, with `accounts`, its accounts) tinted by its share of the
/// column's traffic. Returns the accounts of the cell clicked, if one was.
pub fn draw(
    ui: &mut egui::Ui,
    matrix: &Matrix,
    columns: &[NetworkColumn],
    accounts: bool,
) -> Option<Vec<u32>> {
    use egui_extras::{Column, TableBuilder};
    let mut clicked = None;
    let shown = columns.len().min(matrix.column_totals.len());
    let text_height = egui::TextStyle::Body.resolve(ui.style()).size + 6.0;
    TableBuilder::new(ui)
            .striped(true)
            .column(Column::initial(170.0).at_least(110.0).clip(true))
            .columns(Column::initial(92.0).at_least(60.0), shown)
            .header(text_height, |mut header| {
                header.col(|ui| {
                    ui.strong(matrix.axis.label());
                });
                for column in &columns[..shown] {
                    header.col(|ui| {
                        ui.label(egui::RichText::new(&column.label).strong().color(column.color));
                    });
                }
            })
            .body(|body| {
                body.rows(text_height, matrix.rows.len(), |mut row| {
                    let r = row.index();
                    row.col(|ui| {
                        ui.label(egui::RichText::new(&matrix.rows[r]).monospace());
                    });
                    for (c, column) in columns[..shown].iter().enumerate() {
                        let cell = &matrix.cells[r][c];
                        let total = matrix.column_totals[c].max(1);
                        let share = cell.exchanges as f64 / total as f64;
                        row.col(|ui| {
                            if cell.accounts.is_empty() {
                                ui.weak("·");
                                return;
                            }
                            let rect = ui.max_rect();
                            ui.painter().rect_filled(
                                rect,
                                0.0,
                                column.color.gamma_multiply(0.15 + 0.6 * share as f32),
                            );
                            let text = if accounts {
                                cell.accounts.len().to_string()
                            } else {
                                cell.exchanges.to_string()
                            };
                            let response = ui
                                .add(egui::Label::new(text).sense(egui::Sense::click()))
                                .on_hover_text(format!(
                                    "{} from {}: {} requests ({:.0}% of its traffic) by {} account(s); click to select them",
                                    column.label,
                                    matrix.rows[r],
                                    cell.exchanges,
                                    100.0 * share,
                                    cell.accounts.len()
                                ));
                            if response.clicked() {
                                clicked = Some(cell.accounts.clone());
                            }
                        });
                    }
                });
            });
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> OriginRows {
        OriginRows {
            // Accounts 0 and 1 (column 0) behind the proxy's AS, account 1
            // also at home; account 2 (column 1) at home; account 3 not
            // shown.
            rows: vec![(0, 1, 50), (1, 1, 30), (1, 2, 5), (2, 3, 40), (3, 1, 99)],
            origins: [
                (1, ("45.146.12.0/24".to_string(), Some(209_588))),
                (2, ("81.2.3.0/24".to_string(), Some(3320))),
                (3, ("81.2.4.0/24".to_string(), Some(3320))),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn each_cell_holds_a_groups_requests_from_a_place_and_who_sent_them() {
        let column_of = vec![0, 0, 1, u32::MAX];
        let m = matrix(Axis::Asn, &origins(), &[], &column_of, 2, (&[], 0));
        assert_eq!(m.rows, vec!["AS209588", "AS3320"]);
        assert_eq!(
            m.cells[0][0],
            Cell {
                exchanges: 80,
                accounts: vec![0, 1]
            },
            "the account not shown is not counted"
        );
        assert_eq!(m.cells[1][0].exchanges, 5);
        assert_eq!(m.cells[1][1].accounts, vec![2]);
        assert_eq!(m.column_totals, vec![85, 40]);
        let n = matrix(Axis::Network, &origins(), &[], &column_of, 2, (&[], 0));
        assert_eq!(n.rows.len(), 3);
        assert_eq!(n.rows[0], "45.146.12.0/24");
        // A selection beside the groups: account 1 counts in its own
        // column and in the selection's.
        let with = matrix(
            Axis::Asn,
            &origins(),
            &[],
            &[1, 1, 2, u32::MAX],
            3,
            (&[1], 0),
        );
        assert_eq!(with.cells[0][0].accounts, vec![1]);
        assert_eq!(with.cells[0][1].accounts, vec![0, 1]);
        assert_eq!(with.column_totals, vec![35, 85, 40]);
    }

    #[test]
    fn countries_come_from_the_accounts_and_the_tail_is_summed() {
        let accounts: Vec<AccountRow> = (0..30)
            .map(|i| AccountRow {
                billing_country: Some(format!("C{i:02}")),
                exchanges: 100 - i,
                ..Default::default()
            })
            .collect();
        let column_of = vec![0u32; 30];
        let m = matrix(
            Axis::Country,
            &OriginRows::default(),
            &accounts,
            &column_of,
            1,
            (&[], 0),
        );
        assert_eq!(m.rows.len(), MAX_ROWS);
        assert_eq!(m.rows[0], "C00");
        assert_eq!(m.rows[MAX_ROWS - 1], "7 others");
        assert_eq!(m.cells[MAX_ROWS - 1][0].accounts.len(), 7);
        assert_eq!(m.column_totals[0], (71..=100).sum::<u64>());
    }
}
