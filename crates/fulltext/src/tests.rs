#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn doc(kind: DocKind, id: i64, title: &str) -> Doc {
    Doc {
        kind,
        id,
        title: title.to_string(),
        body: String::new(),
        code: String::new(),
        region: "530628".into(),
        fields: vec![],
        status: "published".into(),
        amount_fen: 0,
        owner_org: 0,
        public: true,
        updated_at: id,
        label: "需求".into(),
        place: String::new(),
    }
}

fn everyone() -> Scope {
    Scope { region_prefix: Some(String::new()), org_id: None, include_public: true }
}

fn q(text: &str) -> Query {
    Query { text: text.into(), scope: everyone(), limit: 100, ..Query::default() }
}

/// Hits as (kind, id), sorted, so assertions do not depend on ranking.
fn ids(ft: &FullText, query: &Query) -> Vec<(DocKind, i64)> {
    let (hits, total) = ft.search(query).unwrap();
    assert_eq!(total, hits.len(), "all hits fit on the page in these tests");
    let mut v: Vec<_> = hits.into_iter().map(|h| (h.kind, h.id)).collect();
    v.sort_by_key(|(k, id)| (k.index(), *id));
    v
}

fn orgs() -> FullText {
    let ft = FullText::in_memory().unwrap();
    let mut credit = doc(DocKind::Organization, 5, "彝良县助学服务中心");
    credit.code = "53530628DJ000002X".into();
    ft.upsert(&[
        doc(DocKind::Organization, 1, "北京理工大学教育基金会"),
        doc(DocKind::Organization, 2, "中国乡村发展基金会"),
        doc(DocKind::Organization, 3, "云南省青少年发展基金会"),
        doc(DocKind::Organization, 4, "教育基金会"),
        credit,
    ])
    .unwrap();
    ft
}

const O: DocKind = DocKind::Organization;

#[test]
fn a_two_character_word_finds_the_long_name_containing_it() {
    let ft = orgs();
    assert_eq!(ids(&ft, &q("教育")), vec![(O, 1), (O, 4)]);
    assert_eq!(ids(&ft, &q("理工大学")), vec![(O, 1)]);
    assert_eq!(ids(&ft, &q("基金会")), vec![(O, 1), (O, 2), (O, 3), (O, 4)]);
    assert_eq!(ids(&ft, &q("乡村 基金会")), vec![(O, 2)]);
    assert_eq!(ids(&ft, &q("北京理工大学 基金会")), vec![(O, 1)]);
}

#[test]
fn words_are_not_matched_across_word_boundaries() {
    let ft = orgs();
    // 乡村教育 asks for 乡村 and 教育: 教育基金会 has no 乡村, 中国乡村发展基金会 no 教育.
    assert!(ids(&ft, &q("乡村教育")).is_empty());
    // 育基 spans 教育|基金会: a literal substring, not a word.
    assert!(ids(&ft, &q("育基")).is_empty());
    // Punctuation alone asks for no word and so finds nothing, rather than everything.
    assert!(ids(&ft, &q("，。")).is_empty());
}

#[test]
fn a_credit_code_is_found_whole_by_prefix_and_by_fragment_in_any_case() {
    let ft = orgs();
    assert_eq!(ids(&ft, &q("53530628DJ000002X")), vec![(O, 5)]);
    assert_eq!(ids(&ft, &q("53530628dj000002x")), vec![(O, 5)]);
    assert_eq!(ids(&ft, &q("53530628")), vec![(O, 5)]);
    assert_eq!(ids(&ft, &q("dj000002")), vec![(O, 5)]);
    assert_eq!(ids(&ft, &q("DJ000002 助学")), vec![(O, 5)]);
    assert!(ids(&ft, &q("DJ000003")).is_empty());
    assert!(ids(&ft, &q("DJ000002 教育")).is_empty());
    // The exact code outranks anything else that happens to match.
    let (hits, _) = ft.search(&q("53530628DJ000002X")).unwrap();
    assert!(hits[0].score > 0.0);
}

#[test]
fn a_county_code_finds_the_documents_of_that_county() {
    let ft = FullText::in_memory().unwrap();
    let mut village = doc(DocKind::Demand, 2, "村卫生室设备");
    village.region = "530628101201".into();
    let mut other = doc(DocKind::Demand, 3, "村卫生室设备");
    other.region = "530621".into();
    ft.upsert(&[doc(DocKind::Demand, 1, "助学金"), village, other]).unwrap();
    assert_eq!(ids(&ft, &q("530628")), vec![(DocKind::Demand, 1), (DocKind::Demand, 2)]);
    assert_eq!(ids(&ft, &q("530628 卫生室")), vec![(DocKind::Demand, 2)]);
}

#[test]
fn a_title_match_ranks_above_a_body_match() {
    let ft = FullText::in_memory().unwrap();
    let mut in_body = doc(DocKind::Demand, 1, "彝良县项目");
    in_body.body = "需要冷链物流车辆".into();
    let in_title = doc(DocKind::Demand, 2, "冷链物流车辆");
    ft.upsert(&[in_body, in_title]).unwrap();
    let (hits, total) = ft.search(&q("冷链")).unwrap();
    assert_eq!(total, 2);
    assert_eq!(hits[0].id, 2);
    assert!(hits[0].score > hits[1].score);
}

fn scoped() -> FullText {
    let ft = FullText::in_memory().unwrap();
    let mk = |kind, id, region: &str, owner, public| Doc { region: region.into(), owner_org: owner, public, ..doc(kind, id, "助学项目") };
    ft.upsert(&[
        mk(DocKind::Demand, 1, "530628", 0, false),       // own county, not public
        mk(DocKind::Demand, 2, "530628101201", 0, false), // village in own county
        mk(DocKind::Demand, 3, "530621", 0, false),       // neighbour county, not public
        mk(DocKind::Demand, 4, "530621", 0, true),        // neighbour county, public
        mk(DocKind::Offer, 5, "", 7, false),              // org 7's draft offer, national
        mk(DocKind::Offer, 6, "", 8, false),              // org 8's draft offer
        mk(DocKind::Offer, 7, "11", 8, true),             // org 8's published offer
    ])
    .unwrap();
    ft
}

#[test]
fn a_county_officer_sees_the_county_and_public_documents_only() {
    let ft = scoped();
    let county = Scope { region_prefix: Some("530628".into()), org_id: None, include_public: true };
    let d = DocKind::Demand;
    assert_eq!(ids(&ft, &Query { scope: county.clone(), ..q("助学") }), vec![(d, 1), (d, 2), (d, 4), (DocKind::Offer, 7)]);
    let without_public = Scope { include_public: false, ..county };
    assert_eq!(ids(&ft, &Query { scope: without_public.clone(), ..q("") }), vec![(d, 1), (d, 2)]);
    // A prefecture officer covers both counties.
    let prefecture = Scope { region_prefix: Some("5306".into()), ..without_public };
    assert_eq!(ids(&ft, &Query { scope: prefecture, ..q("助学") }), vec![(d, 1), (d, 2), (d, 3), (d, 4)]);
}

#[test]
fn an_organisation_sees_its_own_draft_offer_but_not_anothers() {
    let ft = scoped();
    let org7 = Scope { region_prefix: None, org_id: Some(7), include_public: true };
    let hits = ids(&ft, &Query { scope: org7, kinds: vec![DocKind::Offer], ..q("助学") });
    assert_eq!(hits, vec![(DocKind::Offer, 5), (DocKind::Offer, 7)]);
    let org7_own_only = Scope { region_prefix: None, org_id: Some(7), include_public: false };
    assert_eq!(ids(&ft, &Query { scope: org7_own_only, ..q("") }), vec![(DocKind::Offer, 5)]);
}

#[test]
fn an_empty_scope_sees_nothing() {
    let ft = scoped();
    assert_eq!(ft.search(&Query { text: "助学".into(), ..Query::default() }).unwrap(), (vec![], 0));
    assert_eq!(ft.search(&Query::default()).unwrap(), (vec![], 0));
}

fn filtered() -> FullText {
    let ft = FullText::in_memory().unwrap();
    let mk = |id, region: &str, fields: &[&str], status: &str, wan: i64| Doc {
        region: region.into(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        status: status.into(),
        amount_fen: wan * 1_000_000,
        ..doc(DocKind::Demand, id, "乡村助学项目")
    };
    ft.upsert(&[
        mk(1, "530628", &["教育"], "published", 5),
        mk(2, "530628101", &["教育", "健康"], "published", 50),
        mk(3, "530621", &["健康"], "published", 500),
        mk(4, "520102", &["教育"], "draft", 0),
        mk(5, "", &["产业"], "published", 20),
    ])
    .unwrap();
    ft
}

fn demand_ids(ft: &FullText, query: &Query) -> Vec<i64> {
    ids(ft, query).into_iter().map(|(_, id)| id).collect()
}

#[test]
fn each_filter_narrows_the_result() {
    let ft = filtered();
    for text in ["", "助学"] {
        assert_eq!(demand_ids(&ft, &q(text)), vec![1, 2, 3, 4, 5]);
        assert_eq!(demand_ids(&ft, &Query { region: Some("5306".into()), ..q(text) }), vec![1, 2, 3]);
        assert_eq!(demand_ids(&ft, &Query { region: Some("530628".into()), ..q(text) }), vec![1, 2]);
        assert_eq!(demand_ids(&ft, &Query { region: Some("53".into()), ..q(text) }), vec![1, 2, 3]);
        assert_eq!(demand_ids(&ft, &Query { region: Some(String::new()), ..q(text) }), vec![1, 2, 3, 4, 5]);
        assert_eq!(demand_ids(&ft, &Query { field: Some("教育".into()), ..q(text) }), vec![1, 2, 4]);
        assert_eq!(demand_ids(&ft, &Query { field: Some("健康".into()), region: Some("530628".into()), ..q(text) }), vec![2]);
        assert_eq!(demand_ids(&ft, &Query { status: Some("draft".into()), ..q(text) }), vec![4]);
        assert_eq!(demand_ids(&ft, &Query { min_amount_fen: Some(20_000_000), ..q(text) }), vec![2, 3, 5]);
        assert_eq!(demand_ids(&ft, &Query { max_amount_fen: Some(20_000_000), ..q(text) }), vec![1, 4, 5]);
        assert_eq!(demand_ids(&ft, &Query { min_amount_fen: Some(5_000_000), max_amount_fen: Some(50_000_000), ..q(text) }), vec![1, 2, 5]);
        assert!(demand_ids(&ft, &Query { min_amount_fen: Some(9), max_amount_fen: Some(1), ..q(text) }).is_empty());
        assert!(demand_ids(&ft, &Query { kinds: vec![DocKind::Offer, DocKind::Organization], ..q(text) }).is_empty());
        assert_eq!(demand_ids(&ft, &Query { kinds: vec![DocKind::Demand], ..q(text) }), vec![1, 2, 3, 4, 5]);
    }
}

#[test]
fn upsert_replaces_and_remove_forgets() {
    let ft = orgs();
    assert_eq!(ft.len(), 5);
    ft.upsert(&[doc(O, 1, "北京理工大学校友会")]).unwrap();
    assert_eq!(ft.len(), 5);
    assert_eq!(ids(&ft, &q("教育")), vec![(O, 4)]);
    assert_eq!(ids(&ft, &q("校友会")), vec![(O, 1)]);
    // The same id under another kind is another document.
    ft.upsert(&[doc(DocKind::Demand, 1, "校友会捐赠")]).unwrap();
    assert_eq!(ids(&ft, &q("校友会")), vec![(DocKind::Demand, 1), (O, 1)]);
    ft.remove(O, 1).unwrap();
    assert_eq!(ids(&ft, &q("校友会")), vec![(DocKind::Demand, 1)]);
    assert_eq!(ft.len(), 5);
    ft.remove(O, 999).unwrap();
    // Within one batch the later copy wins.
    ft.upsert(&[doc(O, 9, "甲基金会"), doc(O, 9, "乙服务中心")]).unwrap();
    assert_eq!(ids(&ft, &q("服务中心")), vec![(O, 5), (O, 9)]);
    assert!(ids(&ft, &q("甲")).is_empty());
    ft.clear().unwrap();
    assert!(ft.is_empty());
    assert_eq!(ft.watermark(O), 0);
}

#[test]
fn paging_returns_the_asked_slice_newest_first_with_the_full_total() {
    let ft = FullText::in_memory().unwrap();
    let docs: Vec<Doc> = (1..=25).map(|i| Doc { updated_at: 1_700_000_000 + i * 7 % 25, ..doc(DocKind::Demand, i, "养老服务") }).collect();
    ft.upsert(&docs).unwrap();
    let mut newest: Vec<&Doc> = docs.iter().collect();
    newest.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
    let page = |offset, limit| ft.search(&Query { offset, limit, ..q("") }).unwrap();
    let (first, total) = page(0, 10);
    assert_eq!(total, 25);
    assert_eq!(first.iter().map(|h| h.id).collect::<Vec<_>>(), newest[..10].iter().map(|d| d.id).collect::<Vec<_>>());
    let (last, total) = page(20, 10);
    assert_eq!(total, 25);
    assert_eq!(last.iter().map(|h| h.id).collect::<Vec<_>>(), newest[20..].iter().map(|d| d.id).collect::<Vec<_>>());
    assert_eq!(page(30, 10), (vec![], 25));
    assert_eq!(page(0, 0), (vec![], 25));
    // Pages of a text search are disjoint and together give every hit once.
    let mut all: Vec<i64> = (0..3).flat_map(|p| ft.search(&Query { offset: p * 10, limit: 10, ..q("养老") }).unwrap().0).map(|h| h.id).collect();
    all.sort_unstable();
    assert_eq!(all, (1..=25).collect::<Vec<_>>());
}

#[test]
fn the_watermark_and_documents_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ft = FullText::open(dir.path()).unwrap();
        assert_eq!(ft.watermark(DocKind::Demand), 0);
        ft.upsert(&[Doc { updated_at: 1_750_000_000, ..doc(DocKind::Demand, 1, "助学") }, Doc { updated_at: 1_740_000_000, ..doc(DocKind::Demand, 2, "养老") }]).unwrap();
        ft.upsert(&[Doc { updated_at: 1_760_000_000, ..doc(DocKind::Offer, 3, "冷链") }]).unwrap();
        // Removing does not move the watermark back.
        ft.remove(DocKind::Demand, 1).unwrap();
        assert_eq!(ft.watermark(DocKind::Demand), 1_750_000_000);
        // A second writer on the same directory is refused while the first lives.
        assert!(matches!(FullText::open(dir.path()), Err(Error::Locked { .. })));
    }
    let ft = FullText::open(dir.path()).unwrap();
    assert_eq!(ft.watermark(DocKind::Demand), 1_750_000_000);
    assert_eq!(ft.watermark(DocKind::Offer), 1_760_000_000);
    assert_eq!(ft.watermark(DocKind::Organization), 0);
    assert_eq!(ft.len(), 2);
    assert_eq!(ids(&ft, &q("冷链")), vec![(DocKind::Offer, 3)]);
}

#[test]
fn a_corrupt_index_asks_for_a_rebuild_and_recreate_gives_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ft = FullText::open(dir.path()).unwrap();
        ft.upsert(&[doc(DocKind::Demand, 1, "助学")]).unwrap();
    }
    std::fs::write(dir.path().join("meta.json"), b"{not json").unwrap();
    let err = FullText::open(dir.path()).err().expect("a damaged meta.json must not open");
    assert!(err.needs_rebuild(), "{err}");
    assert!(err.to_string().contains("重建"));
    let ft = FullText::recreate(dir.path()).unwrap();
    assert!(ft.is_empty());
    ft.upsert(&[doc(DocKind::Demand, 2, "养老")]).unwrap();
    assert_eq!(ids(&ft, &q("养老")), vec![(DocKind::Demand, 2)]);
}

#[test]
fn recreate_refuses_a_directory_that_holds_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("duijie.db"), b"data").unwrap();
    assert!(matches!(FullText::recreate(dir.path()), Err(Error::NotAnIndex { .. })));
    assert!(dir.path().join("duijie.db").exists());
}

#[test]
fn full_text_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<FullText>();
    let ft = std::sync::Arc::new(orgs());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let ft = ft.clone();
            std::thread::spawn(move || ft.search(&q("基金会")).unwrap().1)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 4);
    }
}

#[test]
fn the_tokenizer_emits_the_projects_words() {
    let mut tok = JiebaTokenizer;
    let mut stream = tok.token_stream("北京理工大学教育基金会");
    let mut seen = Vec::new();
    while stream.advance() {
        seen.push(stream.token().text.clone());
    }
    assert_eq!(seen, duijie_search::words("北京理工大学教育基金会"));
    assert!(seen.iter().any(|w| w == "教育"));
}

#[test]
fn hits_carry_what_a_result_list_shows() {
    let ft = FullText::in_memory().unwrap();
    let offer = Doc { label: "供给项目".into(), place: "云南省扶贫基金会".into(), status: "published".into(), region: "53".into(), ..doc(DocKind::Offer, 7, "乡村养老服务") };
    ft.upsert(&[offer]).unwrap();
    let (hits, _) = ft.search(&Query { text: "养老".into(), scope: everyone(), ..Query::default() }).unwrap();
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!((h.title.as_str(), h.label.as_str(), h.place.as_str(), h.region.as_str(), h.status.as_str()), ("乡村养老服务", "供给项目", "云南省扶贫基金会", "53", "published"));
}
