//! The HTTP surface: `/graphql`, file_stream and `/artifactsV2/…` behind the API key; `/storage/…` uploads and
//! downloads behind signed URLs (or the key). Catalogue work (small, synchronous file IO) runs on the blocking
//! pool; blob bodies stream in both directions.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, UrlSigner};
use super::blobs::{BlobStore, UploadError};
use super::download::{self, DownloadError};
use super::state::Catalogue;
use super::{ServeError, ServeOptions, graphql, ids, ops_runs};

/// Largest GraphQL or file_stream request body accepted.
const MAX_API_BODY: usize = 64 << 20;

/// Everything a request handler needs.
pub struct App {
    /// Runs, artifacts, collections.
    pub catalogue: Catalogue,
    /// Blob and run-file storage.
    pub blobs: BlobStore,
    signer: UrlSigner,
    api_key: String,
    /// The entity of the API key's user.
    pub entity: String,
    base_url: String,
    /// Held (locked) for the server's lifetime so a second server cannot share the directory.
    _dir_lock: std::fs::File,
}

impl App {
    /// Opens the data directory: lock, catalogue, blob store, URL-signing secret.
    pub fn open(options: &ServeOptions, base_url: String) -> Result<Self, ServeError> {
        let dir = &options.dir;
        let io = |context: String| move |source| ServeError::Io { context, source };
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
        let lock_path = dir.join("lock");
        let dir_lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(format!("cannot open {}", lock_path.display())))?;
        dir_lock.try_lock().map_err(|_| ServeError::Io {
            context: format!("{} is in use by another wandguard serve", dir.display()),
            source: std::io::Error::from(std::io::ErrorKind::WouldBlock),
        })?;
        Ok(Self {
            catalogue: Catalogue::open(&dir.join("state.json"))?,
            blobs: BlobStore::open(dir).map_err(io(format!("cannot prepare {}", dir.display())))?,
            signer: UrlSigner::open(&dir.join("url-signing.key"))
                .map_err(io(format!("cannot create the URL-signing secret in {}", dir.display())))?,
            api_key: options.api_key.clone(),
            entity: options.entity.clone(),
            base_url,
            _dir_lock: dir_lock,
        })
    }

    fn signed_url(&self, method: &str, path: &str) -> String {
        format!("{}{path}?{}", self.base_url, self.signer.sign(method, path))
    }

    /// A signed URL that downloads the blob with hex md5 `md5`.
    pub fn blob_download_url(&self, md5: &str) -> String {
        self.signed_url("GET", &format!("/storage/blobs/{md5}"))
    }

    /// A signed URL that uploads the blob with hex md5 `md5`.
    pub fn blob_upload_url(&self, md5: &str) -> String {
        self.signed_url("PUT", &format!("/storage/blobs/{md5}"))
    }

    /// A signed URL that uploads part `part` (hex md5 `md5`) of multipart upload `upload`.
    pub fn part_upload_url(&self, upload: &str, part: u32, md5: &str) -> String {
        self.signed_url("PUT", &format!("/storage/parts/{upload}/{part}/{md5}"))
    }

    /// A signed URL that uploads a run file.
    pub fn run_file_upload_url(&self, entity: &str, project: &str, run: &str, name: &str) -> String {
        let key = format!("{entity}/{project}/{run}/{name}");
        self.signed_url("PUT", &format!("/storage/runfiles/{}", percent_encode_path(&key)))
    }
}

/// Percent-encodes everything but unreserved characters and `/`, so the signed path is exactly what clients send.
fn percent_encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The server's routes.
pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/graphql", post(graphql_route))
        .route("/files/{entity}/{project}/{run}/file_stream", post(file_stream_route))
        .route("/artifactsV2/{*rest}", get(artifacts_v2_route))
        .layer(DefaultBodyLimit::max(MAX_API_BODY))
        .route_layer(middleware::from_fn_with_state(app.clone(), require_api_key));
    let storage = Router::new()
        .route("/storage/blobs/{md5}", get(blob_download_route).put(blob_upload_route))
        .route("/storage/parts/{upload}/{part}/{md5}", put(part_upload_route))
        .route("/storage/runfiles/{*key}", get(run_file_download_route).put(run_file_upload_route));
    api.merge(storage).with_state(app)
}

/// An error answered with a status and a JSON body `{"error": {"code", "message"}}`.
struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl HttpError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing or wrong API key (HTTP Basic, user 'api')")
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "code": self.code, "message": self.message },
            "errors": [{ "message": self.message, "extensions": { "code": self.code } }],
        });
        let mut response = (self.status, json_body(&body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"wandguard\""));
        }
        response
    }
}

fn json_body(value: &Value) -> impl IntoResponse + use<> {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], value.to_string())
}

async fn require_api_key(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if auth::has_api_key(request.headers(), &app.api_key) {
        next.run(request).await
    } else {
        HttpError::unauthorized().into_response()
    }
}

/// Runs catalogue work on the blocking pool.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, HttpError> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .map_err(|err| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("request failed: {err}")))
}

async fn graphql_route(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, HttpError> {
    let response = blocking(&app, move |app| graphql::execute(app, &body)).await?;
    Ok(json_body(&response).into_response())
}

async fn file_stream_route(
    State(app): State<Arc<App>>,
    UrlPath((entity, project, run)): UrlPath<(String, String, String)>,
    body: Bytes,
) -> Result<Response, HttpError> {
    let request: Value = serde_json::from_slice(&body).map_err(|err| {
        HttpError::new(StatusCode::BAD_REQUEST, "bad-input", format!("file_stream body is not JSON: {err}"))
    })?;
    blocking(&app, move |app| ops_runs::file_stream(app, &entity, &project, &run, &request))
        .await?
        .map_err(|err| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, err.code, err.message))?;
    Ok(json_body(&json!({ "exitcode": null, "limits": {} })).into_response())
}

/// `GET /artifactsV2/{region}/{entity}/{project}/{collection}[/{artifactId}]/{birthId}/{md5}/{name}`: the blob
/// named by the md5 segment.
async fn artifacts_v2_route(
    State(app): State<Arc<App>>,
    UrlPath(rest): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let segments: Vec<&str> = rest.split('/').collect();
    let md5 = segments.len().checked_sub(2).and_then(|at| segments.get(at)).copied().unwrap_or_default();
    if segments.len() < 6 || !ids::is_hex_md5(md5) {
        return Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no artifact file at /artifactsV2/{rest}"),
        ));
    }
    download::serve_file(&app.blobs.blob_path(md5), Some(md5), &headers).await.map_err(HttpError::from)
}

/// The query string of a signed URL.
#[derive(Deserialize)]
struct Signature {
    expires: Option<u64>,
    signature: Option<String>,
}

fn authorize_storage(
    app: &App,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    signature: &Signature,
) -> Result<(), HttpError> {
    let signed = match (signature.expires, &signature.signature) {
        (Some(expires), Some(signature)) => app.signer.verify(method.as_str(), path, expires, signature),
        _ => false,
    };
    if signed || auth::has_api_key(headers, &app.api_key) { Ok(()) } else { Err(HttpError::unauthorized()) }
}

fn check_md5_segment(md5: &str) -> Result<(), HttpError> {
    if ids::is_hex_md5(md5) {
        Ok(())
    } else {
        Err(HttpError::new(StatusCode::BAD_REQUEST, "bad-input", format!("{md5:?} is not a hex md5")))
    }
}

async fn blob_download_route(
    State(app): State<Arc<App>>,
    UrlPath(md5): UrlPath<String>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Result<Response, HttpError> {
    authorize_storage(&app, request.method(), request.uri().path(), request.headers(), &signature)?;
    check_md5_segment(&md5)?;
    download::serve_file(&app.blobs.blob_path(&md5), Some(&md5), request.headers()).await.map_err(HttpError::from)
}

async fn blob_upload_route(
    State(app): State<Arc<App>>,
    UrlPath(md5): UrlPath<String>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Result<Response, HttpError> {
    authorize_storage(&app, request.method(), request.uri().path(), request.headers(), &signature)?;
    check_md5_segment(&md5)?;
    if let Some(content_md5) = request.headers().get("content-md5") {
        let declared = content_md5.to_str().ok().and_then(ids::md5_b64_to_hex);
        if declared.as_deref() != Some(md5.as_str()) {
            return Err(HttpError::new(
                StatusCode::BAD_REQUEST,
                "bad-digest",
                "Content-MD5 does not match the upload URL",
            ));
        }
    }
    let body = request.into_body().into_data_stream();
    app.blobs.store_blob(&md5, body).await.map_err(upload_error)?;
    Ok((StatusCode::OK, [(header::ETAG, format!("\"{md5}\""))]).into_response())
}

async fn part_upload_route(
    State(app): State<Arc<App>>,
    UrlPath((upload, part, md5)): UrlPath<(String, u32, String)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Result<Response, HttpError> {
    authorize_storage(&app, request.method(), request.uri().path(), request.headers(), &signature)?;
    check_md5_segment(&md5)?;
    if !upload.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(HttpError::new(StatusCode::BAD_REQUEST, "bad-input", "malformed upload id"));
    }
    let body = request.into_body().into_data_stream();
    app.blobs.store_part(&upload, part, &md5, body).await.map_err(upload_error)?;
    Ok((StatusCode::OK, [(header::ETAG, format!("\"{md5}\""))]).into_response())
}

async fn run_file_download_route(
    State(app): State<Arc<App>>,
    UrlPath(key): UrlPath<String>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Result<Response, HttpError> {
    authorize_storage(&app, request.method(), request.uri().path(), request.headers(), &signature)?;
    download::serve_file(&app.blobs.run_file_path(&key), None, request.headers()).await.map_err(HttpError::from)
}

async fn run_file_upload_route(
    State(app): State<Arc<App>>,
    UrlPath(key): UrlPath<String>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Result<Response, HttpError> {
    authorize_storage(&app, request.method(), request.uri().path(), request.headers(), &signature)?;
    let body = request.into_body().into_data_stream();
    app.blobs.store_run_file(&key, body).await.map_err(upload_error)?;
    let recorded = key.clone();
    blocking(&app, move |app| ops_runs::record_run_file(app, &recorded))
        .await?
        .map_err(|err| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, err.code, err.message))?;
    Ok(StatusCode::OK.into_response())
}

impl From<DownloadError> for HttpError {
    fn from(err: DownloadError) -> Self {
        match err {
            DownloadError::NotFound => Self::new(StatusCode::NOT_FOUND, "not-found", err.to_string()),
            DownloadError::Io(_) => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "storage", err.to_string()),
        }
    }
}

fn upload_error(err: UploadError) -> HttpError {
    match err {
        UploadError::DigestMismatch { .. } => HttpError::new(StatusCode::BAD_REQUEST, "bad-digest", err.to_string()),
        UploadError::Body(_) => HttpError::new(StatusCode::BAD_REQUEST, "interrupted", err.to_string()),
        UploadError::Io(_) => HttpError::new(StatusCode::INSUFFICIENT_STORAGE, "storage", err.to_string()),
    }
}
