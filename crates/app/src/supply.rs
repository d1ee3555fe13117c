//! Supply (供给): the offers organisations publish and officers curate.
//!
//! Today the offer operations (`duijie_web::demand::{create_offer,
//! set_offer_status}`) are still in the web crate, where they are being
//! changed this session; they move here next, with the rule on who may see an
//! unpublished offer going into `authz`.
