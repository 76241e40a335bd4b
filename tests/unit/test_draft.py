from core.draft import Draft, DraftLimits, DraftProblem, DraftRejected
from core.model import Attachment, AttachmentKind, Location

LIMITS = DraftLimits(
    text_max_chars=100, text_min_chars=10, attachment_max_bytes=1000, attachments_max_count=2
)


def photo(uid: str, size: int = 10) -> Attachment:
    return Attachment(AttachmentKind.PHOTO, f"file-{uid}", uid, file_size=size)


def rejected(fn) -> DraftRejected:
    try:
        fn()
    except DraftRejected as exc:
        return exc
    raise AssertionError("not rejected")


def test_pieces_of_text_join_in_order():
    draft = Draft()
    assert draft.add_message(1, LIMITS, text="Нет горячей воды")
    assert draft.add_message(2, LIMITS, text="  третий день  ")
    assert draft.text == "Нет горячей воды\n\nтретий день"


def test_redelivered_message_is_taken_once():
    draft = Draft()
    assert draft.add_message(7, LIMITS, text="Яма на дороге", attachment=photo("a"))
    assert not draft.add_message(7, LIMITS, text="Яма на дороге", attachment=photo("a"))
    assert draft.text == "Яма на дороге"
    assert len(draft.attachments) == 1


def test_too_long_text_leaves_draft_unchanged():
    draft = Draft()
    draft.add_message(1, LIMITS, text="x" * 60)
    problem = rejected(lambda: draft.add_message(2, LIMITS, text="y" * 50, attachment=photo("b")))
    assert problem.problem is DraftProblem.TEXT_TOO_LONG
    assert problem.details == {"length": 50, "total": 112, "limit": 100}
    assert draft.text == "x" * 60 and draft.attachments == []
    # The refused message can be sent again after shortening: its id was not burnt.
    assert draft.add_message(2, LIMITS, text="y" * 10)


def test_big_file_and_attachment_count_are_refused():
    draft = Draft()
    assert (
        rejected(lambda: draft.add_message(1, LIMITS, attachment=photo("big", 5000))).problem
        is DraftProblem.FILE_TOO_BIG
    )
    draft.add_message(2, LIMITS, attachment=photo("p1"))
    draft.add_message(3, LIMITS, attachment=photo("p2"))
    problem = rejected(lambda: draft.add_message(4, LIMITS, attachment=photo("p3")))
    assert problem.problem is DraftProblem.TOO_MANY_ATTACHMENTS
    assert problem.details["limit"] == 2


def test_same_file_twice_is_kept_once():
    draft = Draft()
    draft.add_message(1, LIMITS, attachment=photo("same"))
    draft.add_message(2, LIMITS, attachment=photo("same"))
    assert len(draft.attachments) == 1


def test_sending_needs_enough_text():
    draft = Draft()
    draft.add_message(1, LIMITS, attachment=photo("a"), location=Location(55.7, 37.6))
    assert draft.problems_before_sending(LIMITS) == [DraftProblem.TEXT_EMPTY]
    draft.add_message(2, LIMITS, text="Яма")
    assert draft.problems_before_sending(LIMITS) == [DraftProblem.TEXT_TOO_SHORT]
    draft.add_message(3, LIMITS, text="на перекрёстке")
    assert draft.problems_before_sending(LIMITS) == []


def test_edit_of_an_earlier_piece_replaces_it():
    draft = Draft()
    draft.add_message(5, LIMITS, text="Нет вады")
    assert draft.edit_piece(5, "Нет воды", LIMITS)
    assert draft.text == "Нет воды"
    assert not draft.edit_piece(99, "чужое", LIMITS)
    problem = rejected(lambda: draft.edit_piece(5, "z" * 200, LIMITS))
    assert problem.problem is DraftProblem.TEXT_TOO_LONG
    assert draft.text == "Нет воды"


def test_round_trip_through_a_dict_keeps_everything():
    draft = Draft()
    draft.add_message(
        1,
        LIMITS,
        text="Свалка у гаражей",
        attachment=photo("a"),
        location=Location(54.6, 39.7, "ул. Ленина, 5"),
    )
    draft.set_sector("waste", confidence=0.91, by_citizen=False)
    draft.card_message_id = 42
    again = Draft.from_dict(draft.to_dict())
    assert again == draft
    assert again.attachment_objects() == [photo("a")]
    assert again.location_object() == Location(54.6, 39.7, "ул. Ленина, 5")


def test_replace_text_keeps_attachments():
    draft = Draft()
    draft.add_message(1, LIMITS, text="старый текст", attachment=photo("a"))
    draft.replace_text(2, "новый текст обращения", LIMITS)
    assert draft.text == "новый текст обращения"
    assert len(draft.attachments) == 1
