//! `switchboard account self add|remove|list` and `switchboard undo` after it, black box.

mod support;

use support::*;

#[test]
fn own_addresses_re_derive_stored_mail_and_undo_takes_the_change_back() {
    let sb = Sb::new();
    let question = Mail::text(
        "Ann <ann@customer.example>",
        "Broken lamp",
        Some("q@ann"),
        "Mon, 01 Jun 2026 09:00:00 +0000",
        "The lamp arrived broken.",
    );
    let mut answer = Mail::text(
        "Shop Support <support@shop.example>",
        "Re: Broken lamp",
        Some("a@shop"),
        "Mon, 01 Jun 2026 10:00:00 +0000",
        "Sorry! A new one is on its way.",
    )
    .replying_to("q@ann", &["q@ann"]);
    answer.to = "Ann <ann@customer.example>".into();
    let path = sb.path("in/mail.mbox");
    write(&path, mbox(&[question, answer]));
    // Imported without --self: the shop's answer reads as the customer writing again.
    sb.ok(&["import", s(&path)]);
    let case = sb.case_by_subject("Broken lamp");
    assert_eq!(case["status"], "new", "{case}");

    let none = sb.ok(&["account", "self", "list"]);
    assert!(
        none.stdout.starts_with("No addresses of your own yet"),
        "{}",
        none.stdout
    );

    let added = sb.ok(&["account", "self", "add", "Support@Shop.example"]);
    assert_eq!(
        added.stdout.trim(),
        "1 address; 1 message now marked sent by you in 1 conversation"
    );
    assert_eq!(
        sb.ok(&["account", "self", "list"]).stdout,
        "support@shop.example\n"
    );
    let case = sb.case_by_subject("Broken lamp");
    assert_eq!(case["status"], "waiting", "{case}");

    let undone = sb.ok(&["undo"]);
    assert!(
        undone
            .stdout
            .starts_with("Undid: your own addresses changed: support@shop.example added"),
        "{}",
        undone.stdout
    );
    assert!(
        undone.stdout.contains("no longer yours"),
        "{}",
        undone.stdout
    );
    assert_eq!(sb.case_by_subject("Broken lamp")["status"], "new");
    assert!(
        sb.ok(&["account", "self", "list"])
            .stdout
            .starts_with("No addresses")
    );

    sb.ok(&["account", "self", "add", "support@shop.example"]);
    let removed = sb.ok(&["account", "self", "remove", "support@shop.example"]);
    assert_eq!(
        removed.stdout.trim(),
        "0 addresses; 1 message now marked from customers in 1 conversation"
    );
    let err = sb.fail(&["account", "self", "remove", "nobody@shop.example"]);
    assert!(
        err.error_message().contains("not one of your addresses"),
        "{}",
        err.stderr
    );
    let bad = sb.fail(&["account", "self", "add", "not-an-address"]);
    assert!(
        bad.error_message().contains("not an email address"),
        "{}",
        bad.stderr
    );
}
