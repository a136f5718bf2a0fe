//! The accounts, projects, members, watch, advisories and audit repositories under the
//! names the stories below use. Reads take a pooled connection; each write opens a unit of
//! work, composes the repository functions the way the service of that use case does
//! (`crates/embargo/src/services`), and commits.

use domain::{
    ProjectId, ProjectSlug, UserId,
    account::{ProjectRole, User},
    audit::{AuditEvent, NewAuditEvent},
    notify::NotificationPrefs,
    policy::Policy,
    project::Project,
};
use jiff::Timestamp;
use store::{
    AdvisoryRecord, Db, NewEmail, NewJob, NewUser, PolicyVersion, Result, SigningKeyRecord,
    StoreError, WatchClaim, WatchResult, WatchStatus, accounts, advisories, audit, members,
    projects, watch,
};

pub trait Repos {
    async fn create_user(&self, user: &NewUser) -> Result<User>;
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>>;
    async fn user_credentials(&self, email: &str) -> Result<Option<(User, Option<String>)>>;
    async fn any_admin(&self) -> Result<bool>;
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()>;
    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn create_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<()>;
    async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>>;
    async fn append_audit(&self, event: NewAuditEvent) -> Result<AuditEvent>;
    async fn audit_events(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>>;
    async fn create_project(&self, project: &Project, created_by: Option<UserId>) -> Result<()>;
    async fn project_by_slug(&self, slug: &ProjectSlug) -> Result<Option<Project>>;
    async fn project_by_id(&self, id: ProjectId) -> Result<Option<Project>>;
    async fn list_projects(&self) -> Result<Vec<Project>>;
    async fn update_policy(
        &self,
        project: ProjectId,
        expected_version: i64,
        policy: &Policy,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Project>;
    async fn policy_history(&self, project: ProjectId) -> Result<Vec<PolicyVersion>>;
    async fn signing_key(&self, project: ProjectId) -> Result<Option<SigningKeyRecord>>;
    async fn insert_signing_key(
        &self,
        project: ProjectId,
        key: &SigningKeyRecord,
    ) -> Result<SigningKeyRecord>;
    async fn set_member(&self, project: ProjectId, user: UserId, role: ProjectRole) -> Result<()>;
    async fn member_role(&self, project: ProjectId, user: UserId) -> Result<Option<ProjectRole>>;
    async fn projects_of(&self, user: UserId) -> Result<Vec<(Project, ProjectRole)>>;
    async fn project_members(&self, project: ProjectId) -> Result<Vec<(User, ProjectRole)>>;
    async fn notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
    ) -> Result<NotificationPrefs>;
    async fn set_notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
        prefs: &NotificationPrefs,
        now: Timestamp,
    ) -> Result<()>;
    async fn members_with_prefs(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(User, ProjectRole, NotificationPrefs)>>;
    async fn claim_watch(&self, now: Timestamp, retry_at: Timestamp) -> Result<Option<WatchClaim>>;
    async fn record_watch(
        &self,
        claim: &WatchClaim,
        result: &WatchResult,
        emails: &[NewEmail],
    ) -> Result<bool>;
    async fn watch_status(&self, project: ProjectId) -> Result<Option<WatchStatus>>;
    async fn insert_advisory(
        &self,
        record: &AdvisoryRecord,
        audit: NewAuditEvent,
    ) -> Result<AdvisoryRecord>;
    async fn update_advisory(
        &self,
        record: &AdvisoryRecord,
        expected_version: i64,
        audit: NewAuditEvent,
        job: Option<NewJob>,
    ) -> Result<AdvisoryRecord>;
    async fn list_advisories(
        &self,
        project: ProjectId,
        public_only: bool,
    ) -> Result<Vec<AdvisoryRecord>>;
    async fn public_advisories(&self) -> Result<Vec<AdvisoryRecord>>;
    async fn published_advisories_for_package(
        &self,
        ecosystem: Option<&str>,
        name: &str,
    ) -> Result<Vec<AdvisoryRecord>>;
}

impl Repos for Db {
    async fn create_user(&self, user: &NewUser) -> Result<User> {
        let mut tx = self.begin().await?;
        let user = accounts::insert_user(&mut tx, user).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        accounts::user_by_id(&mut *self.read().await?, id).await
    }

    async fn user_credentials(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        accounts::credentials(&mut *self.read().await?, email).await
    }

    async fn any_admin(&self) -> Result<bool> {
        accounts::any_admin(&mut *self.read().await?).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        accounts::insert_session(&mut tx, token_hash, user, now, expires).await?;
        tx.commit().await
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        accounts::session_user(&mut *self.read().await?, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        accounts::delete_session(&mut tx, token_hash).await?;
        tx.commit().await
    }

    async fn create_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        accounts::insert_api_token(&mut tx, user, token_hash, name, now).await?;
        tx.commit().await
    }

    async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        accounts::api_token_user(&mut *self.read().await?, token_hash).await
    }

    async fn append_audit(&self, event: NewAuditEvent) -> Result<AuditEvent> {
        let mut tx = self.begin().await?;
        let event = audit::append(&mut tx, event).await?;
        tx.commit().await?;
        Ok(event)
    }

    async fn audit_events(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        audit::events(&mut *self.read().await?, after_seq, limit).await
    }

    /// As `services::projects::create`.
    async fn create_project(&self, project: &Project, created_by: Option<UserId>) -> Result<()> {
        let mut tx = self.begin().await?;
        projects::insert(&mut tx, project).await?;
        projects::insert_policy_version(
            &mut tx,
            project.id,
            project.policy_version,
            &project.policy,
            created_by,
            project.created_at,
        )
        .await?;
        watch::sync(
            &mut tx,
            project.id,
            project.policy.security_txt_url.as_deref(),
            project.created_at,
        )
        .await?;
        if let Some(user) = created_by {
            members::set(&mut tx, project.id, user, ProjectRole::Maintainer).await?;
        }
        tx.commit().await
    }

    async fn project_by_slug(&self, slug: &ProjectSlug) -> Result<Option<Project>> {
        projects::by_slug(&mut *self.read().await?, slug).await
    }

    async fn project_by_id(&self, id: ProjectId) -> Result<Option<Project>> {
        projects::by_id(&mut *self.read().await?, id).await
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        projects::list(&mut *self.read().await?).await
    }

    /// As `services::projects::update_policy`.
    async fn update_policy(
        &self,
        project: ProjectId,
        expected_version: i64,
        policy: &Policy,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Project> {
        let mut tx = self.begin().await?;
        let before = projects::by_id(&mut tx, project)
            .await?
            .ok_or(StoreError::NotFound)?;
        let version = projects::set_policy(&mut tx, project, expected_version, policy).await?;
        projects::insert_policy_version(&mut tx, project, version, policy, by, now).await?;
        watch::sync(&mut tx, project, policy.security_txt_url.as_deref(), now).await?;
        let retriage = if before.policy != *policy {
            store::triage::requeue_open(&mut tx, project, now).await?
        } else {
            0
        };
        audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: by.map_or_else(
                    || domain::audit::SYSTEM_ACTOR.to_owned(),
                    domain::audit::user_actor,
                ),
                action: "policy.update".into(),
                subject: domain::audit::project_subject(project),
                data: serde_json::json!({ "version": version, "retriage": retriage }),
            },
        )
        .await?;
        let updated = projects::by_id(&mut tx, project)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn policy_history(&self, project: ProjectId) -> Result<Vec<PolicyVersion>> {
        projects::policy_history(&mut *self.read().await?, project).await
    }

    async fn signing_key(&self, project: ProjectId) -> Result<Option<SigningKeyRecord>> {
        projects::signing_key(&mut *self.read().await?, project).await
    }

    async fn insert_signing_key(
        &self,
        project: ProjectId,
        key: &SigningKeyRecord,
    ) -> Result<SigningKeyRecord> {
        let mut tx = self.begin().await?;
        let key = projects::insert_signing_key(&mut tx, project, key).await?;
        tx.commit().await?;
        Ok(key)
    }

    async fn set_member(&self, project: ProjectId, user: UserId, role: ProjectRole) -> Result<()> {
        let mut tx = self.begin().await?;
        members::set(&mut tx, project, user, role).await?;
        tx.commit().await
    }

    async fn member_role(&self, project: ProjectId, user: UserId) -> Result<Option<ProjectRole>> {
        members::role(&mut *self.read().await?, project, user).await
    }

    async fn projects_of(&self, user: UserId) -> Result<Vec<(Project, ProjectRole)>> {
        members::projects_of(&mut *self.read().await?, user).await
    }

    async fn project_members(&self, project: ProjectId) -> Result<Vec<(User, ProjectRole)>> {
        members::of_project(&mut *self.read().await?, project).await
    }

    async fn notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
    ) -> Result<NotificationPrefs> {
        members::notification_prefs(&mut *self.read().await?, user, project).await
    }

    async fn set_notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
        prefs: &NotificationPrefs,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        members::set_notification_prefs(&mut tx, user, project, prefs, now).await?;
        tx.commit().await
    }

    async fn members_with_prefs(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(User, ProjectRole, NotificationPrefs)>> {
        members::with_prefs(&mut *self.read().await?, project).await
    }

    async fn claim_watch(&self, now: Timestamp, retry_at: Timestamp) -> Result<Option<WatchClaim>> {
        let mut tx = self.begin().await?;
        let claim = watch::claim(&mut tx, self.dialect(), now, retry_at).await?;
        tx.commit().await?;
        Ok(claim)
    }

    /// As `services::watch::check`.
    async fn record_watch(
        &self,
        claim: &WatchClaim,
        result: &WatchResult,
        emails: &[NewEmail],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        if !watch::record(&mut tx, claim, result).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        for email in emails {
            store::outbox::queue(&mut tx, email).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn watch_status(&self, project: ProjectId) -> Result<Option<WatchStatus>> {
        watch::status(&mut *self.read().await?, project).await
    }

    /// As `services::advisories::insert_record`.
    async fn insert_advisory(
        &self,
        record: &AdvisoryRecord,
        event: NewAuditEvent,
    ) -> Result<AdvisoryRecord> {
        let mut tx = self.begin().await?;
        let stored = advisories::insert(&mut tx, record).await?;
        audit::append(&mut tx, event).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// As `services::advisories::update_record`.
    async fn update_advisory(
        &self,
        record: &AdvisoryRecord,
        expected_version: i64,
        event: NewAuditEvent,
        job: Option<NewJob>,
    ) -> Result<AdvisoryRecord> {
        let a = &record.advisory;
        let mut tx = self.begin().await?;
        let was = advisories::by_id(&mut tx, &a.id)
            .await?
            .filter(|r| r.project_id == record.project_id)
            .map(|r| r.advisory.status);
        let stored = advisories::update(&mut tx, record, expected_version).await?;
        if let Some(job) = &job {
            store::jobs::enqueue(&mut tx, job).await?;
        }
        let published = advisory::Status::Published;
        if a.status == published && was != Some(published) {
            let report = record.report_id.map(|r| r.to_string());
            store::webhooks::queue_event(
                &mut tx,
                record.project_id,
                &domain::webhook::Event::advisory_published(&a.id, report.as_deref()),
                a.modified,
            )
            .await?;
        }
        audit::append(&mut tx, event).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn list_advisories(
        &self,
        project: ProjectId,
        public_only: bool,
    ) -> Result<Vec<AdvisoryRecord>> {
        advisories::list(&mut *self.read().await?, project, public_only).await
    }

    async fn public_advisories(&self) -> Result<Vec<AdvisoryRecord>> {
        advisories::public(&mut *self.read().await?).await
    }

    async fn published_advisories_for_package(
        &self,
        ecosystem: Option<&str>,
        name: &str,
    ) -> Result<Vec<AdvisoryRecord>> {
        advisories::published_for_package(&mut *self.read().await?, ecosystem, name).await
    }
}
