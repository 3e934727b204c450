//! Portals and their tokens: a token is kept only once the portal has
//! accepted it, whether given when the portal is added or to sign in.

use hoso_client::{AddPortal, Client, ClientError};
use hoso_portal::PortalConfig;

#[tokio::test]
async fn a_token_the_portal_refuses_is_never_kept_and_one_it_accepts_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let portal = hoso_portal::start(PortalConfig::practice(dir.path().join("portal")))
        .await
        .expect("portal");
    let applicant = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    let officer = portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer");
    let client = Client::open(&dir.path().join("profile"))
        .await
        .expect("profile");
    let url = portal.base_url();

    // Added with a made-up token, or an officer's: refused, nothing kept.
    for wrong in ["khong-phai-ma-that".to_owned(), officer] {
        let err = client
            .add_portal_with_token(url, wrong)
            .await
            .expect_err("refused");
        let ClientError::Refused(problems) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(problems[0].path, "token");
        assert!(
            problems[0]
                .message
                .en
                .starts_with("Portal “HoSo practice portal” does not accept this access token"),
            "{err:?}"
        );
        assert!(problems[0].message.vi.contains("Chưa lưu gì"), "{err:?}");
        assert!(client.portals().await.expect("list").is_empty());
    }

    // Added without a token, then signed in: a wrong token leaves it
    // signed out, the right one is kept.
    let added = client
        .add_portal(url, AddPortal::default())
        .await
        .expect("added");
    assert!(added.token.is_none());
    let err = client
        .sign_in_checked(added.id, "sai".into())
        .await
        .expect_err("refused");
    assert!(matches!(err, ClientError::Refused(_)), "{err:?}");
    assert!(client.portals().await.expect("list")[0].token.is_none());
    client
        .check_token(&added, &applicant)
        .await
        .expect("the applicant's token opens the portal");
    let signed = client
        .sign_in_checked(added.id, applicant.clone())
        .await
        .expect("signed in");
    assert_eq!(signed.token.as_deref(), Some(applicant.as_str()));
    // A later wrong one does not replace it.
    client
        .sign_in_checked(added.id, "sai".into())
        .await
        .expect_err("refused");
    assert_eq!(
        client.portals().await.expect("list")[0].token.as_deref(),
        Some(applicant.as_str())
    );
    let again = client
        .add_portal_with_token(url, applicant.clone())
        .await
        .expect("the same portal, the same token");
    assert_eq!(again.id, added.id);

    // A portal this profile does not have.
    let err = client
        .sign_in_checked(9999, applicant)
        .await
        .expect_err("no such portal");
    assert!(matches!(err, ClientError::NotFound(_)), "{err:?}");
}
