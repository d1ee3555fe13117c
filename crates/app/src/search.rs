//! Full-text search over demands, offers and organisations.
//!
//! Search is being rewritten this session; the rewrite moves the search
//! operation (today `duijie_web::pages::search::run`, which the API also calls)
//! here, so that the API no longer reads a page module.
