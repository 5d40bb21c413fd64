"""The field app's words, translated by Django and handed to the JavaScript in the shell.

The app runs without signal, so the shell carries both languages (the member switches
offline); ``{name}`` marks a value the app puts in.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from switchoff.banners.models import Placement
from switchoff.fieldwork.rules import Status

STRINGS: dict[str, Promise] = {
    "title": _("Field app"),
    "online": _("Online"),
    "offline": _("No signal"),
    "unsent": _("{n} visits not sent"),
    "all_sent": _("All visits sent"),
    "refused_visits": _("{n} visits refused"),
    "last_sync": _("Last sync {time}"),
    "never_synced": _("Not synced yet"),
    "send_now": _("Send now"),
    "sending": _("Sending…"),
    "offline_kept": _("No signal: the visits are kept on this phone and sent when the connection returns."),
    "server_unreachable": _("The server could not be reached: the visits stay on this phone."),
    "my_cases": _("My cases"),
    "no_cases": _("No cases are assigned to you yet."),
    "due_today": _("Follow-ups due today"),
    "due": _("due"),
    "conflict_badge": _("conflict"),
    "waiting": _("not sent"),
    "found_badge": _("found in the field"),
    "no_village": _("No village"),
    "problems_title": _("Visits the server did not take"),
    "conflict_message": _("Conflict: {message}"),
    "invalid_message": _("Refused: {message}"),
    "discard": _("Discard"),
    "conflict_case": _(
        "Visits to this case disagree: the team leader decides its status. You can still record a visit."
    ),
    "last_visit": _("Last visit: {outcome}, {date}"),
    "follow_up_on": _("follow up on {date}"),
    "back": _("My cases"),
    "call": _("Call"),
    "what_happened": _("What happened?"),
    "outcome_not_home": _("Not at home"),
    "outcome_informed": _("Informed"),
    "outcome_agrees": _("Agrees to switch"),
    "outcome_needs_support": _("Needs support"),
    "outcome_switched": _("Switched to 4G"),
    "outcome_refuses": _("Refuses"),
    "outcome_not_used": _("Phone no longer used"),
    "outcome_moved": _("Moved away"),
    "outcome_deceased": _("Deceased"),
    "outcome_wrong_number": _("Wrong number or address"),
    "reason": _("Reason for refusing (optional)"),
    "household_reason": _("Why {name} refuses (optional)"),
    "moved_to": _("Moved to (if known)"),
    "device_model": _("New phone model (optional)"),
    "note": _("Note"),
    "household_title": _("Others at this address"),
    "not_recorded": _("Not met"),
    "consent_photo": _("The person agrees to a photo"),
    "take_photo": _("Take a photo"),
    "take_another": _("Take another photo"),
    "photo_taken": _("Photo kept on this phone: it is sent with the visit."),
    "photo_failed": _("The photo could not be read: take it again."),
    "photo_preview": _("Photo of the visit"),
    "remove_photo": _("Remove the photo"),
    "unsent_photos": _("{n} photos not sent"),
    "photo_refused": _("Photo not kept: {message}"),
    "consent_location": _("The person agrees that the location is recorded"),
    "locating": _("Finding the location…"),
    "location_taken": _("Location recorded."),
    "location_unavailable": _("The location is not available: the visit is saved without it."),
    "choose_outcome": _("Choose what happened."),
    "save_visit": _("Save the visit"),
    "saved": _("Visit saved on this phone."),
    "add_found": _("Add a person found at the door"),
    "banners_title": _("Banners and posters"),
    "banners_none": _("None of your teams' banners is listed as hanging."),
    "banners_none_help": _(
        "The banners and posters your teams record here are listed until their last day, to be taken down in time."
    ),
    "banners_unsent": _("{n} placements not sent yet"),
    "banner_new": _("Record banners hung"),
    "banner_kind": _("Kind"),
    "banner_quantity": _("How many"),
    "banner_quantity_needed": _("Enter how many (at least 1)."),
    "banner_where": _("Where exactly (street, building)"),
    "banner_start": _("Hung on"),
    "banner_last_day": _("Last day (optional)"),
    "banner_until_help": _("Empty: until the switch-off date, which the server keeps current."),
    "banner_until": _("until {day}"),
    "banner_expiring": _("expiring"),
    "banner_expired": _("expired, still hanging"),
    "banner_taken_down": _("Taken down"),
    "banner_down_unsent": _("taken down (not sent yet)"),
    "banner_down_saved": _("Take-down kept on this phone: it is sent with the visits."),
    "banner_photo": _("Photo of the banners"),
    "banner_photo_taken": _("Photo kept on this phone: it is sent with the placement."),
    "banner_save": _("Save the placement"),
    "banner_saved": _("Placement saved on this phone: it is sent with the visits."),
    **{f"banner_kind_{code}": label for code, label in Placement.Kind.choices},
    "unsent_support": _("{n} referrals or inspections not sent"),
    "refused_support": _("{n} referrals or inspections refused"),
    "support_refused_title": _("Refused by the server: read why, then discard"),
    "refer_title": _("Refer to a support programme"),
    "refer_help": _("Kept on this phone and sent with the visits; the server then says whether the person qualifies."),
    "programme": _("Programme"),
    "choose_programme": _("Choose the programme"),
    "programme_needed": _("Choose a programme."),
    "programme_documents": _("Documents to bring: {documents}"),
    "referral_note": _("Note for the approver (optional)"),
    "referral_save": _("Save the referral"),
    "referral_saved": _("Referral saved on this phone: it is sent with the visits."),
    "referral_unsent": _("not sent yet"),
    "no_programmes": _("No programme is open in your area (the list comes with each sync)."),
    "shops_title": _("Phone shops"),
    "shops_none": _("No shop is registered in your communes."),
    "shop_last": _("inspected {day}"),
    "shop_never": _("never inspected"),
    "shop_not_informed": _("not informed"),
    "shop_found": _("{n} phones without 4G"),
    "shop_follow_up_due": _("follow-up due"),
    "inspections_unsent": _("{n} inspections not sent yet"),
    "inspections_done": _("Inspections sent: the phones found and their verdicts"),
    "inspect_title": _("Record an inspection"),
    "shop_informed": _("The shop was told not to sell phones without 4G"),
    "shop_commitment": _("The owner signed the commitment"),
    "shop_phones": _("Phones without 4G found on sale: one IMEI or model per line"),
    "shop_phones_help": _("Each is checked by the device check when it is sent."),
    "inspected_on": _("Inspected on"),
    "follow_up_date": _("Follow up on (optional)"),
    "follow_up_before": _("The follow-up comes before the inspection."),
    "inspection_save": _("Save the inspection"),
    "inspection_saved": _("Inspection saved on this phone: it is sent with the visits."),
    "found_help": _("Someone who still uses a 2G-only phone and is on no list: they become a new case."),
    "full_name": _("Full name"),
    "phone_number": _("Phone number"),
    "address": _("Address"),
    "village": _("Village or residential group"),
    "name_needed": _("Enter the person's name."),
    "logout": _("Log out of this phone"),
    "logout_title": _("Log out of this phone?"),
    "logout_waiting": _("Not sent yet: {what}."),
    "send_then_logout": _("Send them, then log out"),
    "logout_anyway": _("Log out and lose them ({n})"),
    "still_unsent": _("Could not be sent: {what}. They are still on this phone."),
    "cancel": _("Cancel"),
    "not_enrolled": _("This phone is not set up for field work yet. Log in once with your account to set it up."),
    "set_up": _("Log in and set up this phone"),
    "signed_out_title": _("This phone is signed out"),
    "revoked": _("Your team leader signed this phone out: your cases have been removed from it."),
    "logged_out": _("You logged out of this phone at {time}: your cases have been removed from it."),
    "hand_over_waiting": _(
        "{n} visits recorded before are still on this phone: they are sent to your team leader as soon as there is "
        "signal. Keep the app open."
    ),
    "handed_over": _("{n} visits recorded before were sent to your team leader, who will accept them."),
    "refused_after": _("Not kept (recorded after the phone was signed out): {names}."),
    "lost_refused": _("{n} visits the server had refused were removed: {names}."),
    "lost_on_logout": _("{n} visits or photos not sent were removed from the phone."),
    "photos_lost": _("{n} photos could not be sent."),
    "expired": _("This phone's sign-in has expired: log in again to send your visits. Nothing on the phone is lost."),
    "password_changed": _(
        "Your password was changed, so this phone was signed out: log in again to send your visits. Nothing on the "
        "phone is lost."
    ),
    "server_error": _("The server had a problem: the visits stay on this phone and are sent again by themselves."),
    "next_try": _("Tries again at {time}"),
    "search": _("Search: name, number or address"),
    "filter": _("Show"),
    "filter_all": _("All"),
    "filter_due": _("Due today"),
    "filter_not_visited": _("Not visited"),
    "filter_refused": _("Refused"),
    "filter_mine": _("My follow-ups"),
    "no_match": _("No case matches."),
    "show_more": _("Show {n} more"),
    "finished_title": _("Switched, verified, closed or with the leader ({n})"),
    "unsent_title": _("Not sent yet ({n}): correct or discard"),
    "correct": _("Correct"),
    "discard_confirm": _("Discard this visit? It will not be sent."),
    "edit_visit": _("Correct the visit"),
    "corrected": _("Visit corrected: it is sent again."),
    "choose_village": _("Choose the village"),
    "village_needed": _("Choose the village or residential group."),
}


def strings_by_language() -> dict[str, dict[str, str]]:
    """Every string in every language of the site: {"vi": {...}, "en": {...}}.

    The cases' status labels (``status_<code>``, from the one rules module) come too: the server
    answers them in the member's language, and the member may switch the app's language offline.
    """
    catalogue: dict[str, dict[str, str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            catalogue[code] = {key: str(text) for key, text in STRINGS.items()}
            catalogue[code].update({f"status_{value}": str(label) for value, label in Status.choices})
    return catalogue
