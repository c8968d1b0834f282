//! The HTTP client: GraphQL to `{base}/graphql` with the API key, and plain requests to signed URLs without
//! it. One `reqwest::Client` (connection pool shared by all transfers).

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use url::Url;

use super::retry::{Failure, status_failure, transport_failure, with_retries};
use super::{Settings, TransferOptions, WandbError};

/// Largest GraphQL response body accepted.
const MAX_GRAPHQL_RESPONSE: usize = 64 << 20;

/// Whether a request carries the API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `Authorization: Basic api:<key>` — only for URLs under the base URL.
    ApiKey,
    /// No credentials (signed URLs, references).
    None,
}

/// A connection to one W&B server.
#[derive(Clone)]
pub struct WandbClient {
    http: reqwest::Client,
    settings: Settings,
    options: TransferOptions,
}

impl WandbClient {
    /// A client for `settings`; nothing is sent yet.
    pub fn new(settings: Settings, options: TransferOptions) -> Result<Self, WandbError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("wandguard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.read_timeout)
            .read_timeout(options.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| WandbError::Usage(format!("cannot set up HTTP: {}", err.without_url())))?;
        Ok(WandbClient { http, settings, options })
    }

    /// The settings this client uses.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The transfer options this client uses.
    pub fn options(&self) -> &TransferOptions {
        &self.options
    }

    /// A request to `url`; the key is attached only for [`Auth::ApiKey`] and only if `url` is under the base.
    pub(crate) fn request(&self, method: Method, url: &Url, auth: Auth) -> RequestBuilder {
        let builder = self.http.request(method, url.clone());
        if auth == Auth::ApiKey && self.settings.is_base_url(url) {
            builder.basic_auth("api", Some(self.settings.api_key.expose()))
        } else {
            builder
        }
    }

    /// Sends `build()` with retries; returns the successful response (its body not yet read).
    pub(crate) async fn send(&self, what: &str, build: impl Fn() -> RequestBuilder) -> Result<Response, WandbError> {
        with_retries(&self.options, || async {
            let response = build().send().await.map_err(|err| transport_failure(what, err))?;
            match status_failure(what, response.status()) {
                None => Ok(response),
                Some(failure) => Err(failure),
            }
        })
        .await
    }

    /// Runs one GraphQL operation and returns its `data`. `errors` in the response fail with the operation
    /// name; transport failures are retried (the operations used here are safe to repeat).
    pub async fn graphql(&self, operation: &str, query: &str, variables: Value) -> Result<Value, WandbError> {
        let url = self.settings.endpoint("graphql");
        let body = json!({ "query": query, "variables": variables, "operationName": operation }).to_string();
        let what = format!("GraphQL {operation}");
        let document: Value = with_retries(&self.options, || async {
            let request = self
                .request(Method::POST, &url, Auth::ApiKey)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            let response = request.send().await.map_err(|err| transport_failure(&what, err))?;
            if let Some(failure) = status_failure(&what, response.status()) {
                return Err(failure);
            }
            let bytes = read_capped(response, MAX_GRAPHQL_RESPONSE, &what).await?;
            serde_json::from_slice(&bytes).map_err(|err| {
                Failure::Fatal(WandbError::Protocol { what: what.clone(), message: format!("not JSON: {err}") })
            })
        })
        .await?;
        if let Some(errors) = document.get("errors").and_then(Value::as_array).filter(|list| !list.is_empty()) {
            let message = errors
                .iter()
                .map(|error| error.get("message").and_then(Value::as_str).unwrap_or("(no message)"))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(WandbError::GraphQl { operation: operation.to_owned(), message });
        }
        match document.get("data") {
            Some(data) if data.is_object() => Ok(data.clone()),
            _ => Err(WandbError::Protocol { what, message: "no `data` object".to_owned() }),
        }
    }
}

/// Reads a whole body, refusing more than `cap` bytes.
pub(crate) async fn read_capped(mut response: Response, cap: usize, what: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|err| transport_failure(what, err))? {
        if bytes.len() + chunk.len() > cap {
            return Err(Failure::Fatal(WandbError::Protocol {
                what: what.to_owned(),
                message: format!("response larger than {} MiB", cap >> 20),
            }));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The string at `pointer` in `value`, or a protocol error naming `what`.
pub(crate) fn string_at<'v>(value: &'v Value, pointer: &str, what: &str) -> Result<&'v str, WandbError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| WandbError::Protocol { what: what.to_owned(), message: format!("missing string at {pointer}") })
}
