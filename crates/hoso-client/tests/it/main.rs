//! hoso-client against a real hoso-portal on 127.0.0.1, each with its own
//! SQLite file in a temporary folder.

mod crash_trials;
mod faults;
mod fees;
mod import;
mod library;
mod loss;
mod outbox;
mod package;
mod portals;
mod ratings;
mod results;
mod sending;
mod submit;
mod tracking;
mod workspace;

use hoso_client::{AddPortal, Client, PortalRecord};
use hoso_core::{AttachedDocument, DossierContent, Procedure};
use hoso_portal::{PortalConfig, RunningPortal};
use tempfile::TempDir;

/// A running portal, a client profile registered with it, and their folders.
#[derive(Debug)]
pub struct World {
    pub dir: TempDir,
    pub portal: RunningPortal,
    pub client: Client,
    pub record: PortalRecord,
}

impl World {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let client = Client::open(&dir.path().join("profile"))
            .await
            .expect("profile opens");
        let (portal, record) = portal_for(&dir.path().join("portal"), &client).await;
        Self {
            dir,
            portal,
            client,
            record,
        }
    }

    pub fn portal_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("portal")
    }

    /// The quality-inspection procedure as the portal serves it today.
    pub async fn procedure(&self) -> Procedure {
        quality_inspection(&self.client, &self.record).await
    }

    /// The sample quality-inspection dossier, complete, with `file` as its
    /// quality certificate and small generated files for the other slots.
    pub async fn dossier(&self, file: &std::path::Path) -> DossierContent {
        let p = self.procedure().await;
        sample_dossier(self.dir.path(), &self.client, &p, file).await
    }

    /// Saves `content` as a new draft of the quality-inspection procedure;
    /// its local id.
    pub async fn draft(&self, content: DossierContent) -> i64 {
        self.draft_of(&self.procedure().await, content).await
    }

    /// Saves `content` as a new draft of `procedure`; its local id.
    pub async fn draft_of(&self, procedure: &Procedure, content: DossierContent) -> i64 {
        let draft = self
            .client
            .create_dossier(&self.record, procedure)
            .await
            .expect("draft");
        self.client
            .save_dossier(&self.record, draft.summary.id, content, draft.revision)
            .await
            .expect("saved");
        draft.summary.id
    }

    /// Writes `len` bytes of a repeatable pattern to a file in the folder.
    pub fn file(&self, name: &str, len: usize) -> std::path::PathBuf {
        pattern_file(self.dir.path(), name, len)
    }
}

/// A practice portal keeping its data in `data`, with the applicant
/// account of Công ty Ánh Dương, registered with `client`.
pub async fn portal_for(data: &std::path::Path, client: &Client) -> (RunningPortal, PortalRecord) {
    let portal = hoso_portal::start(PortalConfig::practice(data))
        .await
        .expect("portal starts");
    let record = sign_in(&portal, client).await;
    (portal, record)
}

/// `client` registered with the running `portal` as Công ty Ánh Dương
/// (a token issued for it).
pub async fn sign_in(portal: &RunningPortal, client: &Client) -> PortalRecord {
    let token = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    client
        .add_portal(
            portal.base_url(),
            AddPortal {
                token: Some(token),
                practice: false,
            },
        )
        .await
        .expect("portal added")
}

/// The quality-inspection procedure as `portal` serves it to `client`.
pub async fn quality_inspection(client: &Client, portal: &PortalRecord) -> Procedure {
    client
        .procedures(portal)
        .await
        .expect("catalog")
        .into_iter()
        .find(|p| p.code.as_str() == "kiem-tra-cl-nhap-khau")
        .expect("quality inspection in the catalog")
}

/// Writes `len` bytes of a repeatable pattern to `dir/name`.
pub fn pattern_file(dir: &std::path::Path, name: &str, len: usize) -> std::path::PathBuf {
    let path = dir.join(name);
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// The sample quality-inspection dossier for `procedure`, complete, with
/// `certificate` as its quality certificate and small files written to
/// `dir` for the other slots, all imported into `client`'s library.
pub async fn sample_dossier(
    dir: &std::path::Path,
    client: &Client,
    procedure: &Procedure,
    certificate: &std::path::Path,
) -> DossierContent {
    let mut d = hoso_core::samples::quality_inspection();
    assert_eq!(
        (&d.procedure, &d.version),
        (&procedure.code, &procedure.version)
    );
    let mut documents = Vec::new();
    for (i, doc) in d.documents.iter().enumerate() {
        let path = if doc.slot == "quality_certificate" {
            certificate.to_owned()
        } else {
            pattern_file(dir, &doc.name, 1000 + i)
        };
        let entry = client.import_attachment(&path).await.expect("import");
        documents.push(AttachedDocument {
            slot: doc.slot.clone(),
            name: entry.name,
            size: entry.size,
            sha256: entry.sha256,
        });
    }
    d.documents = documents;
    d
}
