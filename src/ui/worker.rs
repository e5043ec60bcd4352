//! The query worker: one thread with its own read-only connection to the
//! open case answers the inspector's and the timelines' questions, so the
//! UI thread never waits on SQL. Each answer carries its request's ticket;
//! the shell keeps only the newest answer of each kind.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

use crate::case::Case;
use crate::case::workbench::AccountLink;
use crate::views::journey::{Journeys, journeys};
use crate::views::networks::{Axis, Matrix, matrix};
use crate::views::series::{SelectionSeries, selection_series};
use crate::views::why::{EvidenceChains, evidence_chains};

/// A question for the worker.
#[derive(Clone, Debug)]
pub enum Query {
    /// Every link of one account with its evidence.
    AccountLinks(u32),
    /// Series and mixes of a set of accounts; `clusters` names the stored
    /// clusters whose per-model series to read.
    Selection {
        /// The accounts (indices).
        accounts: Vec<u32>,
        /// The stored clusters they make up, if they are one cluster or a
        /// campaign's clusters (empty otherwise).
        clusters: Vec<String>,
    },
    /// Which accounts were active in an hour range (inclusive).
    ActiveBetween(i64, i64),
    /// Accounts that sent requests from an address.
    RequestIp(String),
    /// The shortest and the strongest chains of evidence links between
    /// two sets of accounts (indices), and what the second set is called.
    Why {
        /// The accounts of the selection asked about.
        from: Vec<u32>,
        /// The accounts of what the analyst named.
        to: Vec<u32>,
        /// What the analyst named (an account, a cluster or a campaign).
        to_label: String,
    },
    /// Where the requests of groups of accounts came from, by ASN or
    /// network: `column_of[account]` is its group (`u32::MAX`: none).
    Networks {
        /// ASNs or networks.
        axis: Axis,
        /// Each account's column.
        column_of: Vec<u32>,
        /// How many columns.
        columns: usize,
        /// Accounts (ascending) that count in column 0 as well: the
        /// selection, beside the campaigns they are in.
        selection: Vec<u32>,
    },
    /// The journeys of a handful of accounts (indices), the selection's
    /// accounts left out, and the model names by index.
    Journeys {
        /// The accounts shown.
        accounts: Vec<u32>,
        /// How many of the selection's accounts are not shown.
        left_out: usize,
        /// Model names by model index.
        model_names: Vec<String>,
    },
}

/// An answer.
#[derive(Debug)]
pub enum Answer {
    /// Links of an account.
    AccountLinks(u32, Vec<AccountLink>),
    /// Series of a selection.
    Selection(Box<SelectionSeries>),
    /// Activity per account in the hour range asked.
    ActiveBetween((i64, i64), Vec<bool>),
    /// Accounts with requests from the address asked.
    RequestIp(String, Vec<u32>),
    /// Chains between the two sets asked about, and the second's name.
    Why(String, Box<EvidenceChains>),
    /// Journeys of the accounts asked about.
    Journeys(Box<Journeys>),
    /// The matrix of places against groups asked for.
    Networks(Box<Matrix>),
    /// The query failed.
    Failed(String),
}

/// The most SQLite virtual-machine steps one answer may take (a few
/// seconds of work; the largest query at seed scale takes a small part of
/// it). A case whose tables make a query run longer gets a "stopped"
/// answer instead of a worker that never answers again.
pub const STEPS_PER_ANSWER: u64 = 5_000_000_000;

/// The handle the shell holds.
pub struct Worker {
    queries: Sender<(u64, Query)>,
    answers: Receiver<(u64, Answer)>,
    next_ticket: u64,
    /// The worker's step budget, to stop its query when the case closes.
    budget: std::sync::Arc<std::sync::OnceLock<crate::case::StepBudget>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The case is closed or replaced: a query still running stops.
        if let Some(budget) = self.budget.get() {
            budget.cancel();
        }
    }
}

impl Worker {
    /// Starts a worker on the case at `path`; `wake` is called after each
    /// answer (the UI's repaint).
    pub fn start(path: PathBuf, accounts: usize, wake: impl Fn() + Send + 'static) -> Self {
        let (queries, inbox) = mpsc::channel::<(u64, Query)>();
        let (outbox, answers) = mpsc::channel();
        let budget = std::sync::Arc::new(std::sync::OnceLock::new());
        let shared_budget = budget.clone();
        let spawned = std::thread::Builder::new()
            .name("case-queries".into())
            .spawn(move || {
                let mut case = Case::open_read_only(&path);
                let steps = case
                    .as_mut()
                    .ok()
                    .and_then(|c| c.set_step_budget(STEPS_PER_ANSWER).ok());
                if let Some(steps) = &steps {
                    let _ = shared_budget.set(steps.clone());
                }
                let refill = || {
                    if let Some(steps) = &steps {
                        steps.refill();
                    }
                };
                while let Ok(mut job) = inbox.recv() {
                    // Only the newest question of each kind matters.
                    while let Ok(newer) = inbox.try_recv() {
                        if std::mem::discriminant(&newer.1) != std::mem::discriminant(&job.1) {
                            refill();
                            let answer = answer(&case, accounts, job.1);
                            if outbox.send((job.0, answer)).is_err() {
                                return;
                            }
                        }
                        job = newer;
                    }
                    refill();
                    let answer = answer(&case, accounts, job.1);
                    if outbox.send((job.0, answer)).is_err() {
                        return;
                    }
                    wake();
                }
            });
        if let Err(err) = spawned {
            let (outbox, answers) = mpsc::channel();
            let _ = outbox.send((
                0,
                Answer::Failed(format!("could not start the query worker: {err}")),
            ));
            return Self {
                queries: mpsc::channel().0,
                answers,
                next_ticket: 1,
                budget,
            };
        }
        Self {
            queries,
            answers,
            next_ticket: 1,
            budget,
        }
    }

    /// Sends a question; returns its ticket.
    pub fn ask(&mut self, query: Query) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let _ = self.queries.send((ticket, query));
        ticket
    }

    /// Answers that have arrived, oldest first.
    pub fn answers(&self) -> Vec<(u64, Answer)> {
        self.answers.try_iter().collect()
    }
}

fn answer(case: &Result<Case, crate::case::CaseError>, accounts: usize, query: Query) -> Answer {
    let case = match case {
        Ok(case) => case,
        Err(err) => return Answer::Failed(err.to_string()),
    };
    let result = match query {
        Query::AccountLinks(account) => case
            .account_links(account)
            .map(|links| Answer::AccountLinks(account, links)),
        Query::Selection {
            accounts: members,
            clusters,
        } => selection_series(case, &members, &clusters)
            .map(|series| Answer::Selection(Box::new(series))),
        Query::ActiveBetween(first, last) => case
            .active_between(accounts, first, last)
            .map(|active| Answer::ActiveBetween((first, last), active)),
        Query::RequestIp(ip) => case
            .accounts_with_request_ip(&ip)
            .map(|found| Answer::RequestIp(ip, found)),
        Query::Why { from, to, to_label } => {
            evidence_chains(case, &from, &to).map(|chains| Answer::Why(to_label, Box::new(chains)))
        }
        Query::Networks {
            axis,
            column_of,
            columns,
            selection,
        } => case.origin_rows().map(|rows| {
            Answer::Networks(Box::new(matrix(
                axis,
                &rows,
                &[],
                &column_of,
                columns,
                (&selection, 0),
            )))
        }),
        Query::Journeys {
            accounts,
            left_out,
            model_names,
        } => case
            .journey_rows(&accounts)
            .map(|rows| Answer::Journeys(Box::new(journeys(&rows, &model_names, left_out)))),
    };
    result.unwrap_or_else(|err: crate::case::CaseError| {
        Answer::Failed(if err.is_interrupted() {
            "the query was stopped: it took longer than any query on a sound case".to_string()
        } else {
            err.to_string()
        })
    })
}
