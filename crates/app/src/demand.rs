//! Demands (需求): recording, approving and publishing what a county needs,
//! and who sees a demand's household.
//!
//! Today these operations (`duijie_web::demand`: `visible`, `check_demand`,
//! `create`, `step`, `household`, the import) are still in the web crate,
//! where they are being changed this session; they move here next, taking
//! `&Db`, `&Principal` and the parsed input like the other modules of this
//! crate. Until then this module holds nothing, so that nothing is written twice.
