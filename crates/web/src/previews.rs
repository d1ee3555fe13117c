//! Checked uploads waiting for the uploader's confirmation (preview → commit).
//!
//! Guarantees: a preview is taken at most once, only by the user who uploaded
//! it, and only within [`KEEP_SECONDS`] ([`Previews::get`] copies one without
//! taking it); a user's new upload replaces their
//! earlier preview; expired previews are dropped whenever a new one is put.
//! Previews live in memory: a restart forgets them and the officer uploads again.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long a preview can be confirmed.
pub const KEEP_SECONDS: i64 = 30 * 60;

struct Entry<T> {
    user_id: i64,
    created: i64,
    value: T,
}

pub struct Previews<T> {
    map: Mutex<HashMap<String, Entry<T>>>,
}

impl<T> Default for Previews<T> {
    fn default() -> Self {
        Previews { map: Mutex::new(HashMap::new()) }
    }
}

impl<T> Previews<T> {
    /// Keeps `value` for `user_id`; returns the token the confirmation posts.
    pub fn put(&self, user_id: i64, value: T) -> String {
        let token = duijie_domain::crypto::random_token();
        let now = duijie_store::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, e| now - e.created < KEEP_SECONDS && e.user_id != user_id);
        map.insert(token.clone(), Entry { user_id, created: now, value });
        token
    }

    /// A copy of the preview behind `token` if it is `user_id`'s and still fresh,
    /// left in place.
    pub fn get(&self, token: &str, user_id: i64) -> Option<T>
    where
        T: Clone,
    {
        let now = duijie_store::now();
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token).filter(|e| e.user_id == user_id && now - e.created < KEEP_SECONDS).map(|e| e.value.clone())
    }

    /// Takes the preview behind `token` if it is `user_id`'s and still fresh.
    pub fn take(&self, token: &str, user_id: i64) -> Option<T> {
        let now = duijie_store::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(token) {
            Some(e) if e.user_id == user_id && now - e.created < KEEP_SECONDS => map.remove(token).map(|e| e.value),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_taken_once_and_only_by_its_uploader() {
        let p: Previews<&str> = Previews::default();
        let t = p.put(1, "rows");
        assert_eq!(p.take(&t, 2), None);
        assert_eq!(p.get(&t, 2), None);
        assert_eq!(p.get(&t, 1), Some("rows"), "a copy leaves the preview in place");
        assert_eq!(p.take(&t, 1), Some("rows"));
        assert_eq!(p.take(&t, 1), None);
        let first = p.put(1, "a");
        let _second = p.put(1, "b");
        assert_eq!(p.take(&first, 1), None, "a new upload replaces the earlier preview");
    }
}
