//! The public application form (/apply): checked field by field, throttled per address, written in one transaction.

use super::*;
use duijie_app::pickers::Typed;

/// What the applicant typed (the password is never echoed back).
#[derive(Debug, Clone, Default)]
pub(super) struct ApplyForm {
    credit_code: String,
    name: String,
    org_type: String,
    region: String,
    supervisor: String,
    fields: String,
    contact_name: String,
    contact_phone: String,
    username: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_form.html")]
pub(super) struct ApplyPage {
    csrf: String,
    form: ApplyForm,
    errors: Vec<FieldError>,
    types: Vec<(&'static str, &'static str)>,
    all_fields: String,
    demo: bool,
}

impl ApplyPage {
    /// The error for one field, shown under it.
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_done.html")]
pub(super) struct ApplyDonePage {
    org_name: String,
    authority: String,
    username: String,
    /// The name asked for was taken: `username` is the one given instead.
    renamed: bool,
}

pub(super) fn apply_response(state: &AppState, status: StatusCode, form: ApplyForm, errors: Vec<FieldError>) -> Response {
    let csrf = duijie_domain::crypto::random_token();
    let page = ApplyPage {
        csrf: csrf.clone(),
        form,
        errors,
        types: OrgType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        all_fields: duijie_domain::org::FIELDS.join("、"),
        demo: state.demo,
    };
    (status, [(header::SET_COOKIE, set_cookie(APPLY_CSRF_COOKIE, &csrf, 7200))], page).into_response()
}

pub(super) async fn apply_form(State(state): State<AppState>) -> Response {
    apply_response(&state, StatusCode::OK, ApplyForm::default(), Vec::new())
}

/// A checked application, ready to write.
pub(super) struct Application {
    org: NewOrganization,
    username: String,
    password: String,
    certificate: (String, &'static str, Bytes),
}

/// Checks every field; returns the application or every problem found.
pub(super) async fn validate_application(
    state: &AppState,
    form: &ApplyForm,
    password: &str,
    file: Option<(String, Bytes)>,
) -> Result<Result<Application, Vec<FieldError>>, AppError> {
    let mut errors = Vec::new();
    let mut err = |f: &str, m: String| errors.push(FieldError::new(f, m));

    let org_type = OrgType::parse(form.org_type.trim());
    if org_type.is_none() {
        err("org_type", "请选择社会组织类型".into());
    }
    let code = if form.credit_code.trim().is_empty() {
        err("credit_code", "请填写统一社会信用代码".into());
        None
    } else {
        match Uscc::parse(&form.credit_code) {
            Ok(c) => {
                if let Some(t) = org_type
                    && let Err(m) = orgs::check_type(&c, t)
                {
                    err("credit_code", format!("类型为{}，{m}", t.label()));
                    None
                } else if orgs::by_credit_code(&state.db, c.as_str()).await?.is_some() {
                    err("credit_code", format!("统一社会信用代码 {c} 已登记或已提交过申请，如有疑问请联系登记管理机关"));
                    None
                } else {
                    Some(c)
                }
            }
            Err(e) => {
                err("credit_code", e.to_string());
                None
            }
        }
    };
    let name = form.name.trim();
    if name.is_empty() {
        err("name", "请填写组织名称".into());
    } else if name.chars().count() > 100 {
        err("name", "组织名称不能超过 100 字".into());
    }
    let mut region_text = form.region.clone();
    let typed = Typed::region(&state.db, &state.tree, &mut region_text, &RegionCode::national(), Level::County).await.into_reason();
    let region_raw = region_text.trim();
    let region = if let Some(why) = typed {
        err("region", why);
        None
    } else if region_raw.is_empty() {
        err("region", "请填写登记管理机关区划代码（如 530628；民政部登记的填 000000）".into());
        None
    } else {
        match RegionCode::parse(region_raw) {
            Ok(c) if c.level() == Level::National => Some(c),
            Ok(c) if c.level() > Level::County => {
                err("region", format!("{region_raw} 是乡镇或村级区划，登记管理机关应为县级及以上民政部门"));
                None
            }
            Ok(c) if state.tree.get(&c).is_some() => Some(c),
            Ok(_) => {
                err("region", format!("没有区划代码 {region_raw}（2023 年统计用区划代码）"));
                None
            }
            Err(e) => {
                err("region", format!("{region_raw}：{e}"));
                None
            }
        }
    };
    let supervisor = form.supervisor.trim();
    if supervisor.chars().count() > 100 {
        err("supervisor", "业务主管单位不能超过 100 字".into());
    }
    let fields = duijie_domain::org::parse_fields(&form.fields).unwrap_or_else(|m| {
        err("fields", m);
        String::new()
    });
    let contact_name = form.contact_name.trim();
    if contact_name.is_empty() {
        err("contact_name", "请填写联系人".into());
    } else if contact_name.chars().count() > 30 {
        err("contact_name", "联系人不能超过 30 字".into());
    }
    let phone = form.contact_phone.trim();
    if phone.is_empty() {
        err("contact_phone", "请填写联系电话".into());
    } else if !duijie_domain::org::is_phone(phone) {
        err("contact_phone", format!("“{phone}”不是电话号码，请填写手机号或带区号的座机号"));
    }
    let username = form.username.trim();
    if username.is_empty() {
        err("username", "请填写用户名".into());
    } else if let Some(p) = users::username_problem(username) {
        err("username", p.into());
    }
    if password.is_empty() {
        err("password", "请设置密码".into());
    } else if let Some(p) = duijie_domain::crypto::password_problem(password) {
        err("password", p.into());
    }
    let certificate = match file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) {
        None => {
            err("file", "请上传登记证书（图片或 PDF）".into());
            None
        }
        Some((_, b)) if b.is_empty() => {
            err("file", "上传的登记证书是空文件".into());
            None
        }
        Some((_, b)) if b.len() > MAX_CERTIFICATE => {
            err("file", "登记证书文件不能超过 5 MB".into());
            None
        }
        Some((n, b)) => match sniff_scan(&b) {
            Some(ct) => Some((clean_file_name(&n), ct, b)),
            None => {
                err("file", "登记证书须为 JPG、PNG、WebP 图片或 PDF 文件".into());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (Some(credit_code), Some(org_type), Some(region), Some(certificate)) = (code, org_type, region, certificate) else {
        return Err(AppError::Internal("application validated without values".into()));
    };
    let org = NewOrganization {
        credit_code,
        org_type,
        region,
        profile: OrgProfile {
            name: name.to_string(),
            supervisor: supervisor.to_string(),
            fields,
            rating: String::new(),
            party_org: false,
            contact_name: contact_name.to_string(),
            contact_phone: phone.to_string(),
            address: String::new(),
            status: duijie_domain::org::OrgStatus::Active,
        },
        approval: duijie_domain::org::Approval::Pending,
        is_demo: false,
        provenance: "注册申请".into(),
    };
    Ok(Ok(Application { org, username: username.to_string(), password: password.to_string(), certificate }))
}

/// The first of `name`, `name-2`, `name-3` … that no account has.
pub(super) async fn free_username(state: &AppState, name: &str) -> Result<String, AppError> {
    for n in 1..1000 {
        let candidate = if n == 1 { name.to_string() } else { format!("{}-{n}", name.chars().take(28).collect::<String>()) };
        if users::by_username(&state.db, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(AppError::Internal(format!("no free username like {name}")))
}

/// Self-applications accepted from one client address per hour.
pub(super) const APPLY_PER_HOUR: i64 = 10;

pub(super) async fn apply_submit(State(state): State<AppState>, client: ClientAddr, ApplicationUpload { form: mp }: ApplicationUpload) -> Result<Response, AppError> {
    if !throttle::allow(&state.db, &format!("apply:{}", client.0), APPLY_PER_HOUR, 3600, duijie_store::now()).await? {
        return Err(AppError::BadRequest(StatusCode::TOO_MANY_REQUESTS, "提交过于频繁，请一小时后再试".into()));
    }
    let form = ApplyForm {
        credit_code: mp.get("credit_code").trim().to_string(),
        name: mp.get("name"),
        org_type: mp.get("org_type"),
        region: mp.get("region").trim().to_string(),
        supervisor: mp.get("supervisor"),
        fields: mp.get("fields"),
        contact_name: mp.get("contact_name"),
        contact_phone: mp.get("contact_phone"),
        username: mp.get("username").trim().to_string(),
    };
    let password = mp.get("password");
    let app = match validate_application(&state, &form, &password, mp.file).await? {
        Ok(a) => a,
        Err(errors) => return Ok(apply_response(&state, StatusCode::UNPROCESSABLE_ENTITY, form, errors)),
    };
    let pw = app.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || duijie_domain::crypto::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let actor = Actor { user_id: None, name: app.username.clone(), unit: format!("{}（注册申请）", app.org.profile.name) };
    let mut tx = state.db.begin().await?;
    let org_id = match orgs::create(&mut tx, &actor, &app.org).await {
        Ok(id) => id,
        Err(duijie_store::Error::Conflict(m)) => {
            return Ok(apply_response(&state, StatusCode::UNPROCESSABLE_ENTITY, form, vec![FieldError::new("credit_code", m)]));
        }
        Err(e) => return Err(e.into()),
    };
    let new_user = NewUser {
        username: app.username.clone(),
        display_name: format!("{}·{}", app.org.profile.name, app.org.profile.contact_name),
        role: Role::Organization,
        region: app.org.region.clone(),
        org_id: Some(org_id),
        password_hash,
        is_demo: false,
    };
    // Whether a username exists is said only once an application is in: a
    // taken name gets the first free "name-2", "name-3" … instead.
    let username = free_username(&state, &app.username).await?;
    let new_user = NewUser { username: username.clone(), ..new_user };
    users::create(&mut tx, &actor, &new_user).await?;
    // The record just inserted, as far as the attachment needs it (the store
    // reads only its id and region).
    let now = duijie_store::now();
    let org = Organization {
        id: org_id,
        credit_code: app.org.credit_code.to_string(),
        name: app.org.profile.name.clone(),
        org_type: app.org.org_type,
        reg_level: orgs::reg_level_of(&app.org.region).into(),
        region_code: app.org.region.clone(),
        status: duijie_domain::org::OrgStatus::Active,
        is_demo: false,
        created_at: now,
        supervisor: app.org.profile.supervisor.clone(),
        fields: app.org.profile.fields.clone(),
        rating: String::new(),
        party_org: false,
        contact_name: app.org.profile.contact_name.clone(),
        contact_phone: app.org.profile.contact_phone.clone(),
        address: String::new(),
        credit_list: String::new(),
        credit_list_reason: String::new(),
        approval: duijie_domain::org::Approval::Pending,
        approval_note: String::new(),
        provenance: app.org.provenance.clone(),
        updated_at: now,
    };
    let (file_name, content_type, bytes) = &app.certificate;
    orgs::add_attachment(&mut tx, &actor, &org, "registration_certificate", file_name, content_type, bytes).await?;
    // The registration authority's civil-affairs office is told at once (and counts it in 待办).
    let notice = duijie_store::inbox::Notice {
        kind: "organization.applied".into(),
        title: format!("入驻申请待审核：{}", org.name),
        body: "社会组织提交了入驻申请和登记证书，请核对后通过或退回。".into(),
        link: "/orgs/pending".into(),
        dedup_key: Some(format!("organization.applied:{}", org.id)),
    };
    duijie_store::inbox::notify(&mut tx, &duijie_store::inbox::Recipient::Unit { region: org.region_code.as_str().into(), role: Some(Role::CivilAffairs) }, &notice).await?;
    tx.commit().await?;
    let authority = if app.org.region.level() == Level::National {
        "民政部".to_string()
    } else {
        format!("{}民政部门", state.tree.full_name(&app.org.region))
    };
    let page = ApplyDonePage { org_name: app.org.profile.name.clone(), authority, renamed: username != app.username, username };
    Ok(([(header::SET_COOKIE, set_cookie(APPLY_CSRF_COOKIE, "", 0))], page).into_response())
}
