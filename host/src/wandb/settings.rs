//! Connection settings, read like the `wandb` SDK reads them (`WANDB_API_KEY`, `WANDB_BASE_URL`,
//! `WANDB_ENTITY`, `WANDB_PROJECT`), with explicit values overriding the environment.

use std::fmt;
use std::time::Duration;

use url::Url;

use super::WandbError;

/// The SDK's default base URL (0.31 changed it; W&B's own cloud API is this one).
pub const DEFAULT_BASE_URL: &str = "https://api.wandb.ai";

/// An API key. Its `Debug` and `Display` never show it; it is only read when building the auth header.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, refusing an empty one.
    pub fn new(key: String) -> Result<Self, WandbError> {
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(WandbError::Usage("the API key is empty (set WANDB_API_KEY or --api-key-env)".to_owned()));
        }
        Ok(ApiKey(key))
    }

    /// The secret itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where and as whom to talk to W&B.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Base URL of the API (GraphQL is `{base}/graphql`).
    pub base_url: Url,
    /// The API key, sent as `Authorization: Basic api:<key>` to the base URL only.
    pub api_key: ApiKey,
    /// Entity (user or team); the viewer's default entity when `None`.
    pub entity: Option<String>,
    /// Project; `uncategorized` when `None`, as in the SDK's public API.
    pub project: Option<String>,
}

/// Explicit values (command-line flags); `None` falls back to the environment.
#[derive(Clone, Debug, Default)]
pub struct SettingsOverrides {
    /// `--base-url`.
    pub base_url: Option<String>,
    /// Name of the environment variable holding the key (`--api-key-env`); `WANDB_API_KEY` by default.
    pub api_key_env: Option<String>,
    /// `--entity`.
    pub entity: Option<String>,
    /// `--project`.
    pub project: Option<String>,
}

impl Settings {
    /// Reads the settings: overrides first, then `WANDB_*` variables, then the SDK's defaults.
    pub fn from_env(overrides: &SettingsOverrides) -> Result<Self, WandbError> {
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let base = overrides.base_url.clone().or_else(|| env("WANDB_BASE_URL"));
        let base = base.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = parse_base_url(&base)?;
        let key_var = overrides.api_key_env.as_deref().unwrap_or("WANDB_API_KEY");
        let key = env(key_var).ok_or_else(|| WandbError::Usage(format!("no API key: set {key_var}")))?;
        Ok(Settings {
            base_url,
            api_key: ApiKey::new(key)?,
            entity: overrides.entity.clone().or_else(|| env("WANDB_ENTITY")),
            project: overrides.project.clone().or_else(|| env("WANDB_PROJECT")),
        })
    }

    /// `{base}/{path}` (the base's own path kept).
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path.trim_start_matches('/'));
        url.set_path(&joined);
        url
    }

    /// Whether `url` is under the base URL (same scheme, host, port and path prefix): only such URLs get the
    /// API key, as wandb-core's `LimitTo` does.
    pub fn is_base_url(&self, url: &Url) -> bool {
        let base = &self.base_url;
        url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.path().starts_with(base.path().trim_end_matches('/'))
    }
}

fn parse_base_url(text: &str) -> Result<Url, WandbError> {
    let url = Url::parse(text.trim()).map_err(|err| WandbError::Usage(format!("bad base URL: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(WandbError::Usage("the base URL must be http(s)://HOST[:PORT][/PATH]".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(WandbError::Usage("put the API key in WANDB_API_KEY, not in the base URL".to_owned()));
    }
    Ok(url)
}

/// How transfers behave.
#[derive(Clone, Debug)]
pub struct TransferOptions {
    /// Files transferred at the same time.
    pub parallel: usize,
    /// Retries after the first attempt (429, 5xx, connection errors, timeouts).
    pub max_retries: u32,
    /// First backoff delay; doubled after each retry up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest backoff delay.
    pub max_backoff: Duration,
    /// How long a request may wait for the next bytes before it counts as timed out.
    pub read_timeout: Duration,
    /// Show progress bars (only honoured on a terminal).
    pub progress: bool,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            parallel: 8,
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            progress: true,
        }
    }
}
