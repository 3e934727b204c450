//! The applicant's satisfaction rating, against a real portal: a value the
//! portal would refuse is refused here first, naming its field; a dossier
//! not yet completed is the portal's to refuse, its state named; once
//! completed, the rating is given, read back, kept in the profile, and
//! given again to replace it.

use crate::World;
use crate::fees::household_draft;
use crate::results::{issued, state};
use hoso_client::ClientError;
use hoso_client::error::ErrorCode;
use hoso_core::status::Status;

#[tokio::test(flavor = "multi_thread")]
async fn a_completed_dossier_is_rated_read_back_kept_and_rated_again() {
    let world = World::new().await;
    let (id, code) = issued(&world, "dg", &[("Kết quả.pdf", b"ban chinh")]).await;
    world.client.sync_status(&world.record).await.expect("sync");
    assert_eq!(state(&world, &code).await, Status::ResultReady);

    // Refused here, before the portal is asked, with the field named.
    for (rating, comment, field) in [
        (0, "", "rating"),
        (6, "", "rating"),
        (3, "Tốt\u{200b}lắm", "comment"),
        (3, &*"ư".repeat(1001), "comment"),
    ] {
        match world.client.rate(id, rating, comment).await {
            Err(e @ ClientError::RatingRefused(_)) => {
                assert_eq!(e.code(), ErrorCode::Invalid);
                let ipc = hoso_ipc::IpcError::from(e);
                assert_eq!(ipc.problems.len(), 1);
                assert_eq!(ipc.problems[0].path, field, "{ipc:?}");
                assert_eq!(ipc.message, ipc.problems[0].message);
            }
            other => panic!("{rating} {comment:?} is refused here: {other:?}"),
        }
    }

    // Not completed yet: the portal refuses, naming the state in both
    // languages under its stable code.
    match world.client.rate(id, 5, "").await {
        Err(e @ ClientError::Portal(_)) => {
            assert_eq!(e.code(), ErrorCode::Portal);
            let message = e.message();
            assert!(message.vi.contains("“Đã có kết quả”"), "{message}");
            assert!(message.en.contains("“Result ready”"), "{message}");
            let ClientError::Portal(p) = e else {
                unreachable!()
            };
            assert_eq!(p.code, "not_completed");
        }
        other => panic!("a dossier not completed is not rated: {other:?}"),
    }
    assert_eq!(world.client.rating(id).await.expect("asked"), None);
    assert_eq!(world.client.kept_rating(id).await.expect("read"), None);

    // Completed once its result is received: rated, read back and kept.
    world
        .client
        .download_result(id, None, |_| {})
        .await
        .expect("the result");
    assert_eq!(state(&world, &code).await, Status::Completed);
    let first = world
        .client
        .rate(id, 2, "  Phải chờ lâu ở quầy. ")
        .await
        .expect("rated");
    assert_eq!(first.dossier_code.as_str(), code);
    assert_eq!(
        (first.rating, first.comment.as_str()),
        (2, "Phải chờ lâu ở quầy.")
    );
    assert_eq!(
        world.client.kept_rating(id).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        world.client.rating(id).await.expect("asked"),
        Some(first.clone())
    );

    // Rated again: the portal and the profile hold the latest word.
    let again = world.client.rate(id, 5, "").await.expect("rated again");
    assert_eq!((again.rating, again.comment.as_str()), (5, ""));
    assert_eq!(
        world.client.rating(id).await.expect("asked"),
        Some(again.clone())
    );
    assert_eq!(
        world.client.kept_rating(id).await.expect("read"),
        Some(again)
    );

    // A draft has no code at the portal: nothing to rate.
    let draft = household_draft(&world, "nhap").await;
    match world.client.rate(draft, 4, "").await {
        Err(e @ ClientError::NotFound(_)) => assert_eq!(e.code(), ErrorCode::NotFound),
        other => panic!("a draft is not rated: {other:?}"),
    }
}
