//! Files attached to a demand: uploaded by those who may change it, opened by those who may see it.

use super::*;

pub(super) async fn upload_file(State(state): State<AppState>, Path(id): Path<i64>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let d = ops::visible(&state, &cu.principal, id).await?;
    duijie_app::require(decide(&cu.principal, Action::EditDemand, Target::Region(d.region())))?;
    let Some((name, bytes)) = form.chosen_file() else {
        return Err(AppError::field("file", "请选择要上传的照片或文件"));
    };
    let Some(content_type) = duijie_app::files::sniff_scan(bytes) else {
        return Err(AppError::field("file", "只能上传 PDF、JPG、PNG 或 WebP 文件"));
    };
    let name = duijie_app::files::clean_file_name(name);
    let mut tx = state.db.begin().await?;
    demand::add_file(&mut tx, &actor(&cu), &d, &name, content_type, bytes).await?;
    tx.commit().await?;
    Ok(done(&format!("/demands/{id}"), &format!("已上传附件“{name}”")))
}

pub(super) async fn file(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = demand::file(&state.db, id).await?.ok_or(AppError::NotFound)?;
    duijie_app::open(demand::get(&state.db, f.demand_id).await?, &cu.principal, Action::OpenDemandFile)?;
    let disposition = format!("attachment; filename=\"file-{id}\"; filename*=UTF-8''{}", crate::pages::urlencode(&f.file_name));
    Ok(([(header::CONTENT_TYPE, f.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], f.bytes).into_response())
}
