//! Self-application (/apply), the approval queue (/orgs/pending) and the registry
//! import with preview and background commit (/orgs/import), through the router.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, PASSWORD, both, csrf_of, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duijie_domain::Uscc;
use duijie_store::{orgs, users};

both!(
    an_application_with_bad_fields_shows_every_error_and_creates_nothing,
    an_application_is_queued_for_the_right_officers_and_approved_or_returned,
    a_registry_import_lists_every_bad_row_then_commits_in_the_background,
    the_registry_import_is_for_civil_affairs_and_its_template_reads_back,
);

/// A valid credit code of a 社会服务机构 (52) registered in `region6`.
fn code(region6: &str, body: &str) -> String {
    Uscc::complete(&format!("52{region6}{body}")).expect("valid test code").to_string()
}

/// The same code with a wrong final check character.
fn wrong_check(code: &str) -> String {
    let last = if code.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &code[..17])
}

/// A minimal PDF for the certificate.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Opens the application form; returns (cookie, csrf).
async fn apply_session(a: &App) -> (String, String) {
    let page = a.get("/apply", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("社会组织注册申请"), "{}", page.body);
    let token = page.set_cookie("duijie_apply_csrf").expect("apply csrf cookie");
    assert_eq!(csrf_of(&page.body), token);
    (format!("duijie_apply_csrf={token}"), token)
}

async fn post_multipart(a: &App, path: &str, cookie: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> crate::support::Reply {
    let (ct, body) = multipart(fields, file_name, file);
    a.send(Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await
}

async fn apply(a: &App, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> crate::support::Reply {
    let (cookie, csrf) = apply_session(a).await;
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    post_multipart(a, "/apply", &cookie, &all, file_name, file).await
}

fn good_fields<'a>(credit_code: &'a str, username: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("credit_code", credit_code),
        ("name", "彝良县乡村发展互助中心"),
        ("org_type", "service_institution"),
        ("region", "530628"),
        ("supervisor", ""),
        ("fields", "教育、健康"),
        ("contact_name", "李华"),
        ("contact_phone", "13800000000"),
        ("username", username),
        ("password", PASSWORD),
    ]
}

async fn an_application_with_bad_fields_shows_every_error_and_creates_nothing(a: App) {
    let good = code("530628", "MA0000A1");
    let mut fields = good_fields(&good, "x");
    for (k, v) in fields.iter_mut() {
        match *k {
            "region" => *v = "539999",
            "contact_name" => *v = "",
            "password" => *v = "short",
            _ => {}
        }
    }
    let r = apply(&a, &fields, "certificate.txt", b"not a certificate").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for (id, msg) in [
        ("err-region", "没有区划代码 539999"),
        ("err-contact_name", "请填写联系人"),
        ("err-password", "密码至少 8 位"),
        ("err-username", "用户名应为 3–32 位"),
        ("err-file", "登记证书须为 JPG、PNG、WebP 图片或 PDF 文件"),
    ] {
        assert!(r.body.contains(&format!("id=\"{id}\">{msg}")), "missing {id} {msg}: {}", r.body);
    }
    assert!(!r.body.contains("id=\"err-credit_code\""), "the credit code was fine");
    // Entered values are kept (the password is not).
    assert!(r.body.contains(&format!("value=\"{good}\"")));
    assert!(r.body.contains("value=\"彝良县乡村发展互助中心\""));
    assert!(!r.body.contains("value=\"short\""));
    assert!(orgs::by_credit_code(&a.t.db, &good).await.unwrap().is_none());
    assert!(users::by_username(&a.t.db, "x").await.unwrap().is_none());

    // A wrong check digit, a code of another type, no file at all.
    let bad = wrong_check(&good);
    let fields = good_fields(&bad, "apply_bad");
    let r = apply(&a, &fields, "", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-credit_code\">统一社会信用代码校验位（第 18 位）错误"), "{}", r.body);
    assert!(r.body.contains("id=\"err-file\">请上传登记证书"), "{}", r.body);
    let foundation = Uscc::complete("53530628MA0000A1").unwrap().to_string();
    let r = apply(&a, &good_fields(&foundation, "apply_bad"), "c.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("统一社会信用代码前两位应为 52"), "{}", r.body);
    assert!(users::by_username(&a.t.db, "apply_bad").await.unwrap().is_none());

    // Without the pre-login cookie the form is refused.
    let (_, csrf) = apply_session(&a).await;
    let mut fields = vec![("_csrf", csrf.as_str())];
    fields.extend(good_fields(&good, "apply_nocookie"));
    let r = post_multipart(&a, "/apply", "", &fields, "c.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(orgs::by_credit_code(&a.t.db, &good).await.unwrap().is_none());
}

async fn an_application_is_queued_for_the_right_officers_and_approved_or_returned(a: App) {
    let credit = code("530628", "MA0000B2");
    let r = apply(&a, &good_fields(&credit, "hzzx_apply"), "登记证书.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已提交，等待云南省昭通市彝良县民政部门审核"), "{}", r.body);

    let org = orgs::by_credit_code(&a.t.db, &credit).await.unwrap().expect("org created").unscoped();
    assert_eq!(org.approval, duijie_domain::org::Approval::Pending);
    assert_eq!(org.region_code.as_str(), "530628");
    assert_eq!(org.fields, "教育、健康");
    let user = users::by_username(&a.t.db, "hzzx_apply").await.unwrap().expect("user created");
    assert_eq!(user.role, "organization");
    assert_eq!(user.org_id, Some(org.id));
    assert_eq!(user.region_code.as_str(), "530628");
    assert!(!user.is_demo);
    let files = orgs::attachments_of(&a.t.db, org.id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].kind, "registration_certificate");
    assert_eq!(files[0].content_type, "application/pdf");
    assert_eq!(files[0].bytes, PDF);
    // The applicant can log in while the application is pending.
    a.login("hzzx_apply").await;
    // 彝良县民政局, which registers it, is told and counts it in its 待办.
    let (yl_mz, _) = a.login("yl_mz").await;
    assert!(a.get("/inbox", &yl_mz).await.body.contains("入驻申请待审核：彝良县乡村发展互助中心"));
    let dashboard = a.get("/dashboard", &yl_mz).await.body;
    let todo = dashboard.split("id=\"todo\"").nth(1).unwrap().split("</section>").next().unwrap().to_string();
    assert!(todo.split("<li").any(|li| li.contains("待审核的入驻申请") && !li.contains("<span class=\"num\">0<")), "{todo}");

    // The same code again is refused at its field.
    let r = apply(&a, &good_fields(&credit, "hzzx_apply2"), "c.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-credit_code\">统一社会信用代码"), "{}", r.body);
    assert!(r.body.contains("已登记"));
    assert!(users::by_username(&a.t.db, "hzzx_apply2").await.unwrap().is_none());

    // Yunnan sees it, with the certificate link; Jiangsu does not.
    let (yn, yn_csrf) = a.login("yn_mz").await;
    let page = a.get("/orgs/pending", &yn).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("彝良县乡村发展互助中心"));
    assert!(page.body.contains(&format!("/attachments/{}", files[0].id)));
    assert!(page.body.contains(&format!("/orgs/pending/{}/approve", org.id)));
    let (js, js_csrf) = a.login("js_mz").await;
    let page = a.get("/orgs/pending", &js).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("彝良县乡村发展互助中心"));
    let r = a.post_form(&format!("/orgs/pending/{}/approve", org.id), &js, &[("_csrf", &js_csrf)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = a.post_form(&format!("/orgs/pending/{}/return", org.id), &js, &[("_csrf", &js_csrf), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Rural revitalisation sees the county but may not approve.
    let (xz, xz_csrf) = a.login("yl_xz").await;
    assert_eq!(a.get("/orgs/pending", &xz).await.status, StatusCode::FORBIDDEN);
    let r = a.post_form(&format!("/orgs/pending/{}/approve", org.id), &xz, &[("_csrf", &xz_csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing happens.
    let r = a.post_form(&format!("/orgs/pending/{}/approve", org.id), &yn, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(orgs::get(&a.t.db, org.id).await.unwrap().unwrap().unscoped().approval, duijie_domain::org::Approval::Pending);

    // Returning needs a reason.
    let (yl, yl_csrf) = a.login("yl_mz").await;
    let r = a.post_form(&format!("/orgs/pending/{}/return", org.id), &yl, &[("_csrf", &yl_csrf), ("reason", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写退回原因"), "{}", r.body);
    assert_eq!(orgs::get(&a.t.db, org.id).await.unwrap().unwrap().unscoped().approval, duijie_domain::org::Approval::Pending);
    let r = a.post_form(&format!("/orgs/pending/{}/return", org.id), &yl, &[("_csrf", &yl_csrf), ("reason", "登记证书照片不清晰")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/orgs/pending?ok="));
    let o = orgs::get(&a.t.db, org.id).await.unwrap().unwrap().unscoped();
    assert_eq!((o.approval.as_str(), o.approval_note.as_str()), ("returned", "登记证书照片不清晰"));
    let page = a.get("/orgs/pending", &yn).await;
    assert!(page.body.contains("已退回") && page.body.contains("登记证书照片不清晰"), "{}", page.body);

    // Approving.
    let r = a.post_form(&format!("/orgs/pending/{}/approve", org.id), &yn, &[("_csrf", &yn_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(orgs::get(&a.t.db, org.id).await.unwrap().unwrap().unscoped().approval, duijie_domain::org::Approval::Approved);
    let page = a.get("/orgs/pending", &yn).await;
    assert!(!page.body.contains("彝良县乡村发展互助中心"));
    let r = a.post_form(&format!("/orgs/pending/{}/approve", org.id), &yn, &[("_csrf", &yn_csrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = a.post_form("/orgs/pending/999999/approve", &yn, &[("_csrf", &yn_csrf)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Uploads a registry file as the given session.
async fn upload(a: &App, cookie: &str, csrf: &str, name: &str, bytes: &[u8]) -> crate::support::Reply {
    post_multipart(a, "/orgs/import", cookie, &[("_csrf", csrf)], name, bytes).await
}

fn token_of(html: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let start = html.find(marker).expect("preview has a commit token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Commits a preview and waits for the job page's result.
async fn commit_and_wait(a: &App, cookie: &str, csrf: &str, token: &str) -> String {
    let r = a.post_form("/orgs/import/commit", cookie, &[("_csrf", csrf), ("token", token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location().to_string();
    assert!(job.starts_with("/orgs/import/jobs/"), "{job}");
    for _ in 0..100 {
        let page = a.get(&job, cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        if !page.body.contains("id=\"job-running\"") {
            return page.body;
        }
        assert!(page.body.contains("http-equiv=\"refresh\""));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import job did not finish");
}

async fn a_registry_import_lists_every_bad_row_then_commits_in_the_background(a: App) {
    let (yn, csrf) = a.login("yn_mz").await;
    let page = a.get("/orgs/import", &yn).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("下载导入模板"));
    let (c1, c2, c3) = (code("530628", "MA0001C1"), code("530628", "MA0001C2"), code("530602", "MA0001C3"));
    let bad = format!(
        "统一社会信用代码,名称,类型,登记管理机关区划代码\n\
         {c1},彝良县助学促进会,社会服务机构,530628\n\
         {},彝良县助老服务中心,社会服务机构,530628\n\
         {c2},彝良县产业发展中心,社会服务机构,539999\n\
         {c1},彝良县助学促进会二,社会服务机构,530628\n\
         {c3},,社会服务机构,530602\n",
        wrong_check(&c2)
    );
    let r = upload(&a, &yn, &csrf, "registry.csv", bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for (row, col, msg) in [
        (3, "统一社会信用代码", "统一社会信用代码校验位（第 18 位）错误"),
        (4, "登记管理机关区划代码", "539999：没有这个区划代码"),
        (5, "统一社会信用代码", "与第 2 行重复"),
        (6, "名称", "名称不能为空"),
    ] {
        let cell = format!("<tr><td>第 {row} 行</td><td>{col}</td><td>");
        let at = r.body.find(&cell).unwrap_or_else(|| panic!("no error row {row}/{col}: {}", r.body));
        assert!(r.body[at..].split("</tr>").next().unwrap().contains(msg), "row {row}: expected {msg}");
    }
    assert_eq!(r.body.matches("<tr><td>第 ").count(), 4, "exactly the four bad rows");
    assert!(!r.body.contains("id=\"import-commit\""), "no commit with errors");
    for c in [&c1, &c2, &c3] {
        assert!(orgs::by_credit_code(&a.t.db, c).await.unwrap().is_none(), "nothing written");
    }

    // The corrected file previews, commits in the background and shows the result.
    let good = format!(
        "统一社会信用代码,名称,类型,登记管理机关区划代码,联系电话\n\
         {c1},彝良县助学促进会,社会服务机构,530628,0870-1234567\n\
         {c2},彝良县产业发展中心,民非,530628,\n\
         {c3},昭阳区助老服务中心,社会服务机构,530602,\n"
    );
    let r = upload(&a, &yn, &csrf, "registry.csv", good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 3，更新 0，未变 0"), "{}", r.body);
    assert!(orgs::by_credit_code(&a.t.db, &c1).await.unwrap().is_none(), "preview writes nothing");
    let token = token_of(&r.body);
    // Another officer can neither commit the preview nor see the job.
    let (yl, yl_csrf) = a.login("yl_mz").await;
    let r = a.post_form("/orgs/import/commit", &yl, &[("_csrf", &yl_csrf), ("token", &token)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let result = commit_and_wait(&a, &yn, &csrf, &token).await;
    assert!(result.contains("导入完成：新增 3 条，更新 0 条"), "{result}");
    let o = orgs::by_credit_code(&a.t.db, &c1).await.unwrap().expect("imported").unscoped();
    assert_eq!((o.name.as_str(), o.approval.as_str(), o.contact_phone.as_str()), ("彝良县助学促进会", "approved", "0870-1234567"));
    assert_eq!(orgs::by_credit_code(&a.t.db, &c3).await.unwrap().unwrap().unscoped().region_code.as_str(), "530602");
    // The token is spent.
    let r = a.post_form("/orgs/import/commit", &yn, &[("_csrf", &csrf), ("token", &token)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Importing the same file again changes nothing.
    let r = upload(&a, &yn, &csrf, "registry.csv", good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 0，更新 0，未变 3"), "{}", r.body);
    let token = token_of(&r.body);
    let job_result = commit_and_wait(&a, &yn, &csrf, &token).await;
    assert!(job_result.contains("新增 0 条，更新 0 条"), "{job_result}");

    // The job page belongs to its uploader.
    let r = a.post_form("/orgs/import/commit", &yn, &[("_csrf", &csrf), ("token", &token_of(&upload(&a, &yn, &csrf, "registry.csv", good.as_bytes()).await.body))]).await;
    let job = r.location().to_string();
    assert_eq!(a.get(&job, &yl).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get("/orgs/import/jobs/nonexistent", &yn).await.status, StatusCode::NOT_FOUND);
}

async fn the_registry_import_is_for_civil_affairs_and_its_template_reads_back(a: App) {
    let (xz, xz_csrf) = a.login("yl_xz").await;
    assert_eq!(a.get("/orgs/import", &xz).await.status, StatusCode::FORBIDDEN);
    let r = upload(&a, &xz, &xz_csrf, "registry.csv", "统一社会信用代码,名称\n".as_bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (yn, csrf) = a.login("yn_mz").await;
    let res = {
        use tower::ServiceExt;
        let req = Request::get("/orgs/import/template.xlsx").header(header::COOKIE, &yn).body(Body::empty()).unwrap();
        a.router.clone().oneshot(req).await.unwrap()
    };
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().contains("spreadsheetml"));
    let bytes = {
        use http_body_util::BodyExt;
        res.into_body().collect().await.unwrap().to_bytes()
    };
    let t = duijie_office::read_table("模板.xlsx", &bytes, duijie_store::imports::ORG_REQUIRED).expect("template reads back");
    for required in ["统一社会信用代码*", "名称*", "类型*", "登记管理机关区划代码*"] {
        assert!(t.headers.iter().any(|h| h == required), "{required} in {:?}", t.headers);
    }
    assert!(t.headers.iter().any(|h| h == "业务主管单位"));
    // The example row itself is importable.
    let r = upload(&a, &yn, &csrf, "模板.xlsx", &bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 1，更新 0，未变 0"), "{}", r.body);
    // A registry file in the export layout (title row, header on row 2) also reads.
    let headers: Vec<&str> = duijie_store::imports::ORG_HEADERS.to_vec();
    let c = code("530628", "MA0002D1");
    let mut row = vec![c.clone(), "彝良县模板测试会".into(), "社会服务机构".into(), "530628".into()];
    row.resize(headers.len(), String::new());
    let xlsx = duijie_office::template::table_xlsx("社会组织", "社会组织名录", &headers, &[row]).unwrap();
    let r = upload(&a, &yn, &csrf, "名录.xlsx", &xlsx).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 1，更新 0，未变 0"), "{}", r.body);
    assert!(r.body.contains("彝良县模板测试会"));
    // A file without the needed headers is refused as a whole.
    let r = upload(&a, &yn, &csrf, "x.csv", "甲,乙\n1,2\n".as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("没有找到表头"), "{}", r.body);
    // Another region's rows are out of scope for a provincial officer.
    let js = code("320102", "MA0002D2");
    let csv = format!("统一社会信用代码,名称,类型,登记管理机关区划代码\n{js},南京测试会,社会服务机构,320102\n");
    let r = upload(&a, &yn, &csrf, "r.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不在您的管辖范围内"), "{}", r.body);
}
