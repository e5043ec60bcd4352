//! For tuning on the *tuning* seeds only: what each group of a randomised
//! families scenario drew for one seed (its [`FamilyKnobs`]).
//!
//! ```text
//! cargo run --release --example knobs -- families-small 18 [GROUP]
//! ```

use hydrascope::generate::{Group, Scenario, plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scenario), Some(seed)) = (args.first(), args.get(1)) else {
        return Err("usage: knobs SCENARIO SEED [GROUP]".into());
    };
    let scenario = Scenario::parse(scenario).ok_or("unknown scenario")?;
    let seed: u64 = seed.parse()?;
    let only = match args.get(2) {
        Some(g) => Some(Group::parse(g).ok_or("unknown group")?),
        None => None,
    };
    let population = plan(scenario, seed);
    let families = population
        .families
        .ok_or("not a families scenario: nothing drawn per group")?;
    for knobs in families
        .groups
        .iter()
        .filter(|k| only.is_none_or(|g| g == k.group))
    {
        println!("{knobs:#?}");
    }
    Ok(())
}
