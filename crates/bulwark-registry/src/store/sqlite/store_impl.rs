//! [`MetaStore`] for [`SqliteStore`]: each method runs one module function on a read
//! connection or inside one write transaction.

use std::collections::HashSet;

use async_trait::async_trait;
use bulwark_auth::role::Role;
use bulwark_types::Digest;

use super::{SqliteStore, Stale, accounts, audit, content, gc};
use crate::store::*;

#[async_trait]
impl MetaStore for SqliteStore {
    async fn create_user(&self, user: NewUser) -> StoreResult<()> {
        self.write(move |c| accounts::create_user(c, &user)).await
    }

    async fn user(&self, name: &str) -> StoreResult<Option<User>> {
        self.read_now(|c| accounts::user(c, name))
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        self.read(accounts::users).await
    }

    async fn delete_user(&self, name: &str) -> StoreResult<()> {
        let name = name.to_owned();
        self.write_long(move |c| accounts::delete_user(c, &name))
            .await
    }

    async fn set_password(&self, name: &str, password_hash: &str) -> StoreResult<()> {
        let name = name.to_owned();
        let password_hash = password_hash.to_owned();
        self.write(move |c| accounts::set_password(c, &name, &password_hash))
            .await
    }

    async fn set_sysadmin(&self, name: &str, sysadmin: bool) -> StoreResult<()> {
        let name = name.to_owned();
        self.write(move |c| accounts::set_sysadmin(c, &name, sysadmin))
            .await
    }

    async fn create_project(&self, name: &str, public: bool) -> StoreResult<()> {
        let name = name.to_owned();
        self.write(move |c| accounts::create_project(c, &name, public))
            .await
    }

    async fn project(&self, name: &str) -> StoreResult<Option<Project>> {
        self.cached_project(name)
    }

    async fn projects(&self) -> StoreResult<Vec<Project>> {
        self.read(accounts::projects).await
    }

    async fn delete_project(&self, name: &str) -> StoreResult<()> {
        let name = name.to_owned();
        self.write_stale(Stale::BlobsAndProjects, move |c| {
            accounts::delete_project(c, &name)
        })
        .await
    }

    async fn set_project_public(&self, name: &str, public: bool) -> StoreResult<()> {
        let name = name.to_owned();
        self.write_stale(Stale::Projects, move |c| {
            accounts::set_project_public(c, &name, public)
        })
        .await
    }

    async fn set_immutable_rules(&self, project: &str, rules: Vec<String>) -> StoreResult<()> {
        let project = project.to_owned();
        self.write_stale(Stale::Projects, move |c| {
            accounts::set_immutable_rules(c, &project, &rules)
        })
        .await
    }

    async fn set_member(&self, project: &str, user: &str, role: Role) -> StoreResult<()> {
        let project = project.to_owned();
        let user = user.to_owned();
        self.write(move |c| accounts::set_member(c, &project, &user, role))
            .await
    }

    async fn remove_member(&self, project: &str, user: &str) -> StoreResult<()> {
        let project = project.to_owned();
        let user = user.to_owned();
        self.write(move |c| accounts::remove_member(c, &project, &user))
            .await
    }

    async fn members(&self, project: &str) -> StoreResult<Vec<Member>> {
        let project = project.to_owned();
        self.read(move |c| accounts::members(c, &project)).await
    }

    async fn member_role(&self, project: &str, user: &str) -> StoreResult<Option<Role>> {
        self.read_now(|c| accounts::member_role(c, project, user))
    }

    async fn create_robot(&self, robot: Robot) -> StoreResult<()> {
        self.write(move |c| accounts::create_robot(c, &robot)).await
    }

    async fn robot(&self, name: &str) -> StoreResult<Option<Robot>> {
        self.read_now(|c| accounts::robot(c, name))
    }

    async fn robots(&self, project: &str) -> StoreResult<Vec<Robot>> {
        let project = project.to_owned();
        self.read(move |c| accounts::robots(c, &project)).await
    }

    async fn delete_robot(&self, name: &str) -> StoreResult<()> {
        let name = name.to_owned();
        self.write(move |c| accounts::delete_robot(c, &name)).await
    }

    async fn link_blob(&self, repo: &str, digest: &Digest, size: u64) -> StoreResult<()> {
        let repo = repo.to_owned();
        let digest = digest.to_owned();
        self.write(move |c| content::link_blob(c, &repo, &digest, size))
            .await
    }

    async fn repo_blob(&self, repo: &str, digest: &Digest) -> StoreResult<Option<u64>> {
        Ok(self.linked_blob(repo, digest)?.map(|(size, _)| size))
    }

    async fn blob(&self, digest: &Digest) -> StoreResult<Option<u64>> {
        self.read_now(|c| content::blob(c, digest))
    }

    async fn put_inline_blob(&self, repo: &str, digest: &Digest, data: Vec<u8>) -> StoreResult<()> {
        let (repo, digest) = (repo.to_owned(), digest.to_owned());
        self.write(move |c| content::put_inline_blob(c, &repo, &digest, &data))
            .await
    }

    async fn repo_blob_data(
        &self,
        repo: &str,
        digest: &Digest,
    ) -> StoreResult<Option<(u64, Option<bytes::Bytes>)>> {
        self.linked_blob(repo, digest)
    }

    async fn blob_repositories(&self, digest: &Digest, limit: usize) -> StoreResult<Vec<String>> {
        let digest = digest.to_owned();
        self.read(move |c| content::blob_repositories(c, &digest, limit))
            .await
    }

    async fn unlink_blob(&self, repo: &str, digest: &Digest) -> StoreResult<bool> {
        let repo = repo.to_owned();
        let digest = digest.to_owned();
        self.write_stale(Stale::Blobs, move |c| {
            content::unlink_blob(c, &repo, &digest)
        })
        .await
    }

    async fn repositories(&self, page: Page) -> StoreResult<Vec<String>> {
        self.read(move |c| content::repositories(c, &page)).await
    }

    async fn repository_summaries(&self, project: &str) -> StoreResult<Vec<RepoSummary>> {
        let project = project.to_owned();
        self.read(move |c| content::repository_summaries(c, &project))
            .await
    }

    async fn delete_repository(&self, repo: &str) -> StoreResult<()> {
        let repo = repo.to_owned();
        self.write_stale(Stale::Blobs, move |c| content::delete_repository(c, &repo))
            .await
    }

    async fn put_manifest(
        &self,
        repo: &str,
        manifest: NewManifest,
        tag: Option<&str>,
    ) -> StoreResult<()> {
        let repo = repo.to_owned();
        let tag = tag.map(str::to_owned);
        self.write(move |c| content::put_manifest(c, &repo, &manifest, tag.as_deref()))
            .await
    }

    async fn manifest(
        &self,
        repo: &str,
        reference: &ManifestRef,
    ) -> StoreResult<Option<StoredManifest>> {
        self.read_now(|c| content::manifest(c, repo, reference))
    }

    async fn delete_manifest(&self, repo: &str, digest: &Digest) -> StoreResult<bool> {
        let repo = repo.to_owned();
        let digest = digest.to_owned();
        self.write(move |c| content::delete_manifest(c, &repo, &digest))
            .await
    }

    async fn delete_tag(&self, repo: &str, tag: &str) -> StoreResult<bool> {
        let repo = repo.to_owned();
        let tag = tag.to_owned();
        self.write(move |c| content::delete_tag(c, &repo, &tag))
            .await
    }

    async fn tags(&self, repo: &str, page: Page) -> StoreResult<Option<Vec<String>>> {
        let repo = repo.to_owned();
        self.read(move |c| content::tags(c, &repo, &page)).await
    }

    async fn tag_details(&self, repo: &str) -> StoreResult<Vec<TagInfo>> {
        let repo = repo.to_owned();
        self.read(move |c| content::tag_details(c, &repo)).await
    }

    async fn referrers(&self, repo: &str, subject: &Digest) -> StoreResult<Vec<Referrer>> {
        let repo = repo.to_owned();
        let subject = subject.to_owned();
        self.read(move |c| content::referrers(c, &repo, &subject))
            .await
    }

    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        self.write_long(move |c| audit::record(c, &events)).await
    }

    async fn audit(&self, query: AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        self.read(move |c| audit::query(c, &query)).await
    }

    async fn gc_collect(&self, cutoff: i64, delete_untagged: bool) -> StoreResult<GcPlan> {
        self.write_stale(Stale::Blobs, move |c| {
            gc::collect(c, cutoff, delete_untagged)
        })
        .await
    }

    async fn known_blobs(&self) -> StoreResult<HashSet<String>> {
        self.read(gc::known_blobs).await
    }

    async fn storage_stats(&self) -> StoreResult<StorageStats> {
        let (commits, committed_writes, commit_seconds) = self.inner.writer.stats();
        Ok(StorageStats {
            commits,
            committed_writes,
            commit_seconds,
            ..self.read(gc::stats).await?
        })
    }
}
