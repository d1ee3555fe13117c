//! The pairing-plan solver (结对方案求解) of issue 5.
//!
//! Given organisations willing to pair (capacity, fields, preferred provinces, province), target
//! counties (minimum and maximum number of organisations, needs by field), east–west cooperation
//! ties between provinces, pairings that already exist and organisations excluded by a credit
//! list, [`solve`] finds the set of new organisation–county pairs that
//!
//! * uses only candidate pairs (`Org::candidates`), each pair at most once, never an excluded
//!   organisation, and keeps every existing pairing of a non-excluded organisation (existing
//!   pairings of excluded organisations are *released* and reported);
//! * respects every organisation's capacity and every county's maximum, existing pairings
//!   included;
//! * gives every county at least its minimum (existing pairings included), and
//! * among those, maximises the total fit of all pairs (existing ones included).
//!
//! **Fit** (defined once, in [`Instance::fit`]): for organisation `o` and county `c`,
//! `fit = 10 × Σ_{f ∈ fields(o)} need_c(f) + 5 × [province(c) ∈ preferred(o)]
//!        + 8 × [(province(o), province(c)) is an east–west tie]`.
//!
//! **Objective**: the minimum cost of the min-cost circulation [`network`] (also written in DIMACS
//! by [`mcf::Network::write_dimacs`]), which is exactly `−(total fit of the plan)`.
//!
//! The result is exact: [`solve`] is a successive-shortest-path primal–dual algorithm (see
//! [`pairing`]), tested against brute force and against the generic solver in [`mcf`].
//! When no plan meets every minimum, [`solve`] returns an [`Infeasibility`] naming exactly the
//! counties that fall short in some plan covering as many minimum places as possible, each with
//! its Hall-violator group read from the minimum cut.
//!
//! A [`Planner`] keeps the optimal state of an instance so that an interactive edit (remove a
//! pair, add a pair, change an organisation's capacity) is re-optimised from the previous optimum
//! ([`replan`]), with the same result as [`solve`] on the edited instance.

#![allow(clippy::needless_range_loop)] // index loops over parallel flat vectors are clearer here

pub mod generate;
pub mod instance;
pub mod mcf;
pub mod pairing;
pub mod replan;

pub use generate::{Shape, generate, generate_shaped};
pub use instance::{County, Instance, InstanceError, Org};
pub use pairing::{Infeasibility, Outcome, Pair, Plan, ReasonKind, Uncovered, network, solve};
pub use replan::{Edit, EditError, Planner};
