//! The GraphQL documents this client sends. Operation names and variable shapes are the ones the `wandb`
//! 0.31 SDK sends (see the recorded traces), so any server that serves the SDK serves this client.

/// The viewer's default entity (also a credentials check).
pub const VIEWER: &str = "query Viewer { viewer { id entity username } }";

/// Creates (or resumes) the run an artifact is logged from.
pub const UPSERT_BUCKET: &str = "mutation UpsertBucket($id: String, $name: String, $project: String, \
$entity: String, $jobType: String, $tags: [String!]) { upsertBucket(input: {id: $id, name: $name, \
modelName: $project, entityName: $entity, jobType: $jobType, tags: $tags}) { bucket { id name \
project { id name entity { id name } } } inserted } }";

/// Creates a pending artifact version (or finds a committed one with the same digest).
pub const CREATE_ARTIFACT: &str = "mutation CreateArtifact($input: CreateArtifactInput!) { \
createArtifact(input: $input) { artifact { id state artifactSequence { id latestArtifact { id } } } } }";

/// Reserves (first call) and then uploads (second call) the manifest.
pub const CREATE_ARTIFACT_MANIFEST: &str = "mutation CreateArtifactManifest($artifactID: ID!, \
$baseArtifactID: ID, $name: String!, $digest: String!, $entityName: String!, $projectName: String!, \
$runName: String!, $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) { \
createArtifactManifest(input: {artifactID: $artifactID, baseArtifactID: $baseArtifactID, name: $name, \
digest: $digest, entityName: $entityName, projectName: $projectName, runName: $runName, \
type: $manifestType}) { artifactManifest { id file { id uploadUrl @include(if: $includeUpload) \
uploadHeaders @include(if: $includeUpload) } } } }";

/// Asks where to upload each file (`uploadUrl: null` when the server already has the content).
pub const CREATE_ARTIFACT_FILES: &str = "mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) { \
createArtifactFiles(input: $input) { files { edges { node { storagePath uploadUrl uploadHeaders \
artifact { id } } } } } }";

/// Commits the version: aliases and `latest` move to it.
pub const COMMIT_ARTIFACT: &str = "mutation CommitArtifact($artifactID: ID!) { \
commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest } } }";

/// The committed artifact's facts (what `artifact.wait()` reads).
pub const ARTIFACT_BY_ID: &str = "query ArtifactByID($id: ID!) { artifact(id: $id) { __typename id \
versionIndex state size digest fileCount artifactType { name } artifactSequence { name } } }";

/// Resolves `collection:alias` or `collection:vN` in a project.
pub const ARTIFACT_MEMBERSHIP_BY_NAME: &str = "query ArtifactMembershipByName($entity: String!, \
$project: String!, $name: String!) { project(name: $project, \
entityName: $entity) { artifactCollectionMembership(name: $name) { __typename id versionIndex \
aliases { alias } artifactCollection { __typename name } artifact { __typename id versionIndex \
artifactType { name } state size digest fileCount } } } }";

/// Where the artifact's manifest can be downloaded.
pub const FETCH_ARTIFACT_MANIFEST: &str = "query FetchArtifactManifest($id: ID!) { artifact(id: $id) { \
currentManifest { file { directUrl } } } }";

/// One page of download URLs of a version's files.
pub const GET_ARTIFACT_MEMBERSHIP_FILE_URLS: &str = "query GetArtifactMembershipFileUrls($entity: String!, \
$project: String!, $collection: String!, $alias: String!, $cursor: String, $perPage: Int) { \
project(name: $project, entityName: $entity) { artifactCollection(name: $collection) { __typename \
artifactMembership(aliasName: $alias) { files(after: $cursor, first: $perPage) { pageInfo { endCursor \
hasNextPage } edges { node { __typename name directUrl } } } } } } }";
