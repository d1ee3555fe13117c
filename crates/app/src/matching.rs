//! Matching (对接): takes (接单), orders (点单) and their confirmation,
//! recommendations and the success rate.
//!
//! Today these operations (`duijie_web::demand::{take, order, decide_match,
//! recommend_for_demand, recommend_for_org, success_rate}`) are still in the
//! web crate, where they are being changed this session together with the
//! catalogue they read; they move here next.
