//! Recovery (`Desk::recover`) on both backends: what a crash or a hand edit
//! could leave behind is found by `verify`, healed once with an audit row per
//! fix, and `verify` is clean afterwards.

mod common;
use boxoffice::db_args;
use common::World;

crate::on_both_backends! {
    #[test]
    fn an_orphaned_seat_and_a_drifted_pool_are_found_then_healed_once() {
        let w = World::new();
        let gig = w.ga(10, 1_000);
        let theatre = w.reserved(2, 5, 2_000);
        let hold = w.hold_labels(&theatre, &["B2"]);
        w.desk.release(&hold.id).expect("release");
        let kept = w.booking(&gig, 2);
        w.desk.pay(&kept.id, boxoffice::domain::PaymentOutcome::Success, "k1", None).expect("pay");
        assert_eq!(w.desk.recover().expect("recover"), 0, "a healthy database needs nothing");
        w.assert_verified();
        let before = w.all_audit().len();

        // The released hold's seat still marked taken, and the gig's free pool off by 3.
        let db = w.desk.db();
        assert_eq!(db.execute("UPDATE hold_seats SET live = 1 WHERE hold_id = ?1", db_args![hold.id]).expect("orphan"), 1);
        db.execute("UPDATE events SET available = available - 3 WHERE id = ?1", db_args![gig.id]).expect("drift");
        let broken = w.desk.verify().expect("verify");
        assert!(broken.iter().any(|v| v.contains("seat B2") && v.contains("no longer owns it")), "{broken:?}");
        assert!(broken.iter().any(|v| v.starts_with("invariant 1 seat count") && v.contains("Concert")), "{broken:?}");

        assert_eq!(w.desk.recover().expect("recover"), 2);
        w.assert_verified();
        assert_eq!(w.available(&gig), 8, "10 seats, 2 sold");
        assert_eq!(w.seats(&theatre), (10, 0, 0));
        let rows = w.all_audit();
        assert_eq!(rows.len(), before + 2, "one audit row per fix");
        let freed = rows.iter().find(|r| r.action == "RECOVERY_FREED_SEAT").expect("freed seat row");
        assert_eq!((freed.entity_id.as_str(), freed.details["label"].as_str()), (hold.id.as_str(), Some("B2")));
        let healed = rows.iter().find(|r| r.action == "RECOVERY_HEALED_AVAILABLE").expect("healed pool row");
        assert_eq!(healed.entity_id, gig.id);
        assert_eq!((healed.details["was"].as_i64(), healed.details["now"].as_i64()), (Some(5), Some(8)));
        assert_eq!(w.desk.recover().expect("again"), 0, "healing is done once");
        assert_eq!(w.all_audit().len(), before + 2);
    }
}
