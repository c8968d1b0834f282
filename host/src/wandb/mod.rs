//! The W&B client: GraphQL and signed-URL transfers over reqwest/tokio, artifact save and fetch with the
//! SDK's manifest and digests, and the local content-addressed cache. The API key goes only to the base URL
//! and never into errors, logs or the cache; nothing here parses payloads (that happens in the sandbox).

pub mod cache;
mod client;
pub mod digest;
mod error;
mod fetch;
pub mod integration;
pub mod manifest;
mod materialize;
mod progress;
mod queries;
pub mod references;
mod retry;
mod save;
mod settings;
mod transfer;

pub use cache::{ArtifactCache, CacheKey, PurgeReport};
pub use client::WandbClient;
pub use error::WandbError;
pub use fetch::{ArtifactPath, Fetched, FetchedFile, ResolvedArtifact};
pub use progress::Progress;
pub use save::{ArtifactSpec, LocalFile, Reference, SavedArtifact};
pub use settings::{ApiKey, DEFAULT_BASE_URL, Settings, SettingsOverrides, TransferOptions};
