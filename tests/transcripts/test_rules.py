"""Every detection rule on short calls, with the hard negatives of issue #17's rubric.

Each case is a tiny call: an agent greeting, the customer's complaint, then the lines under
test. All cases are scored in one detection run (module fixture); each test asserts one value.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from calmline.transcripts.detect import detect
from calmline.transcripts.rulebook import load_rules

GREETING = ("agent", "thanks for calling, this is Sam")
COMPLAINT = ("customer", "my bill has gone up by forty pounds this month and nobody told me why")


def _call(*lines, opening=True) -> list[tuple]:
    """Turns (speaker, text[, start, end]); without times each turn takes 2 s after a 0.5 s pause."""
    turns = [GREETING, COMPLAINT, *lines] if opening else list(lines)
    out, clock = [], 0.0
    for t in turns:
        if len(t) == 4:
            out.append(t)
            clock = t[3]
        else:
            out.append((t[0], t[1], clock + 0.5, clock + 2.5))
            clock += 2.5
    return out


def A(text):  # noqa: N802 - reads as a transcript
    return ("agent", text)


def C(text):  # noqa: N802
    return ("customer", text)


CASES = {
    # apologized
    "apology": (_call(A("I'm so sorry about that."), C("okay")), "apologized", True),
    "apology_my_apologies": (_call(A("My apologies, that should never have happened."), C("right")), "apologized", True),
    "apology_owe": (_call(A("I owe you an apology for this."), C("right")), "apologized", True),
    "sorry_repeat_number": (_call(A("sorry, could you repeat the account number?"), C("it's 4 4 1 2")), "apologized", False),
    "sorry_go_on": (_call(A("sorry, go on"), C("that's all")), "apologized", False),
    "sorry_for_the_wait": (_call(A("sorry for the wait, I'm looking now"), C("fine")), "apologized", False),
    "sorry_you_feel": (_call(A("I'm sorry you feel that way."), C("I do")), "apologized", False),
    "sorry_cant_do_more": (_call(A("I'm sorry I can't do more."), C("right")), "apologized", False),
    "sorry_im_unable": (_call(A("sorry, I'm unable to change that."), C("right")), "apologized", False),
    # thanked
    "thanks_patience": (_call(A("thank you for your patience today"), C("bye")), "thanked", True),
    "thanks_holding": (_call(A("thanks for holding, I've found it"), C("good")), "thanked", True),
    "thanks_raising": (_call(A("thanks for bringing this to our attention"), C("okay")), "thanked", True),
    "thanks_business": (_call(A("thank you for being with us for ten years"), C("okay")), "thanked", True),
    "thanks_for_number": (_call(A("can I take the account number?"), C("5 5 0 1"), A("thanks.")), "thanked", False),
    "thanks_for_the_number": (_call(A("thanks for the account number"), C("okay")), "thanked", False),
    "thanks_for_calling_company": (_call(A("okay, thanks for calling Brightwave"), C("bye")), "thanked", False),
    "thanks_for_correcting": (_call(A("ah, eighty, thanks for correcting me"), C("yes")), "thanked", False),
    # empathized / empathy_negated / policy_language
    "empathy_why": (_call(A("I can see why that would be maddening."), C("it is")), "empathized", True),
    "empathy_fuming": (_call(A("honestly, I'd be fuming."), C("I am")), "empathized", True),
    "bare_understand": (_call(A("I understand."), C("do you")), "empathized", False),
    "bare_hear_you": (_call(A("I hear you."), C("good")), "empathized", False),
    "apology_is_not_empathy": (_call(A("I'm sorry, that's no good."), C("no")), "empathized", False),
    "understand_but_policy_negated": (_call(A("I understand, but that's our policy."), C("great")), "empathy_negated", True),
    "understand_but_policy_policy": (_call(A("I understand, but that's our policy."), C("great")), "policy_language", True),
    "understand_but_policy_not_empathy": (_call(A("I understand, but that's our policy."), C("great")), "empathized", False),
    "feeling_but_still_empathy": (_call(A("I can see how annoying that is, but the fee stands."), C("no")), "empathized", True),
    "but_in_restatement": (_call(A("so you paid on time but the fee was still added, is that right?"), C("yes")), "empathy_negated", False),
    # handoff / took_ownership
    "transfer_is_handoff": (_call(A("let me transfer you to billing."), C("fine")), "handoff", True),
    "transfer_is_not_ownership": (_call(A("let me transfer you to billing."), C("fine")), "took_ownership", False),
    "leave_it_with_me": (_call(A("leave it with me, I'll sort this out personally."), C("thanks")), "took_ownership", True),
    "leave_it_then_transfer": (_call(A("leave it with me."), C("okay"), A("actually, I'll put you through to the refunds team.")),
                               "took_ownership", False),
    "our_responsibility": (_call(A("that's our responsibility, not yours."), C("it is")), "took_ownership", False),
    "internal_review_no_handoff": (_call(A("I'll ask our coding team to review it and I'll call you myself."), C("ok")),
                                   "handoff", False),
    # verified_understanding
    "restate_and_check": (_call(A("so your bill has gone up by forty pounds and nobody told you why, is that right?"), C("yes")),
                          "verified_understanding", True),
    "read_back_number": (_call(A("can I take the account number?"), C("0 7 7 0 0 9 1 4 4 2 1"),
                               A("so that's 0 7 7 0 0 9 1 4 4 2 1, is that right?"), C("yes")), "verified_understanding", False),
    "read_back_address": (_call(A("and the address?"), C("14 Cardigan Road, LS6 2AB"),
                                A("14 Cardigan Road LS6 2AB, correct?"), C("yes")), "verified_understanding", False),
    # asked_desired_outcome
    "what_would_put_it_right": (_call(A("what would put this right for you?"), C("a refund")), "asked_desired_outcome", True),
    "what_is_fair": (_call(A("what would you consider fair here?"), C("half back")), "asked_desired_outcome", True),
    "anything_else": (_call(A("is there anything else?"), C("no")), "asked_desired_outcome", False),
    "which_do_you_prefer": (_call(A("I can refund it or credit it. which of these do you prefer?"), C("refund")),
                            "asked_desired_outcome", False),
    "how_can_i_help": (_call(A("hello, how can I help?"), C("my bill is wrong and I'm really annoyed about it"),
                             opening=False), "asked_desired_outcome", False),
    # agreement_obtained
    "yes_to_plan": (_call(A("I'll refund the forty pounds today. does that work for you?"), C("yes please")),
                    "agreement_obtained", True),
    "okay_to_statement": (_call(A("I'll refund the forty pounds today."), C("okay")), "agreement_obtained", False),
    "bare_okay_to_question": (_call(A("I'll refund it today. is that okay?"), C("okay")), "agreement_obtained", False),
    "well_see": (_call(A("I'll send it for review. how does that sound?"), C("we'll see")), "agreement_obtained", False),
    "i_suppose": (_call(A("we can set up a payment plan. would that work for you?"), C("I suppose")), "agreement_obtained", False),
    # summarized
    "closing_recap": (_call(A("I'll refund it."), C("good"),
                            A("so to recap, the refund goes today and you don't need to do anything.")), "summarized", True),
    "plan_in_agreement_question": (_call(A("I'll refund it."), C("good"),
                                         A("so the refund goes today and the fee is removed, does that work for you?"),
                                         C("yes")), "summarized", False),
    # followup_promised
    "call_you_friday": (_call(A("I'll call you on Friday to check it's sorted."), C("thanks")), "followup_promised", True),
    "someone_will_call": (_call(A("I'll have someone call you tomorrow."), C("okay")), "followup_promised", True),
    "confirmation_email": (_call(A("you'll get a confirmation email shortly."), C("okay")), "followup_promised", False),
    "automatic_text": (_call(A("we'll text you automatically when it's dispatched."), C("ok")), "followup_promised", False),
    # policy_language
    "thats_our_policy": (_call(A("that's our policy, I'm afraid."), C("great")), "policy_language", True),
    "nothing_i_can_do": (_call(A("there's nothing I can do about it."), C("really")), "policy_language", True),
    "go_to_website": (_call(A("you can request that on our website."), C("fine")), "policy_language", True),
    "policy_allows_refund": (_call(A("our policy allows me to refund you in full."), C("great")), "policy_language", False),
    # blaming
    "you_should_have": (_call(A("you should have checked the confirmation screen."), C("what")), "blaming", True),
    "not_what_happened": (_call(A("that's not what happened, the record shows you cancelled."), C("no")), "blaming", True),
    "should_have_had": (_call(A("you should have had a text from us about it."), C("I didn't")), "blaming", False),
    # compensation_offered
    "credit_for_trouble": (_call(A("I'll add a ten pound credit for the trouble."), C("thanks")), "compensation_offered", True),
    "goodwill": (_call(A("and I'm adding a goodwill voucher."), C("thanks")), "compensation_offered", True),
    "refund_of_error": (_call(A("I'll refund the money we took by mistake."), C("good")), "compensation_offered", False),
    # the weak flags' harder cases (policy, hand-off, blaming, compensation)
    "unable_to_process": (_call(A("we're unable to change the booking from here."), C("why")), "policy_language", True),
    "time_limit_rule": (_call(A("claims have to be made within thirty days of the statement."), C("oh")), "policy_language", True),
    "outside_the_window": (_call(A("that's outside the returns window now."), C("great")), "policy_language", True),
    "warranty_expired": (_call(A("the warranty only covers the first year, so it's past that."), C("ok")), "policy_language", True),
    "third_party_booking": (_call(A("as the ticket was bought through an agent, I can't refund it."), C("hm")),
                            "policy_language", True),
    "guidelines_as_per": (_call(A("as per the regulator guidelines the card stays blocked until then."), C("no")),
                          "policy_language", True),
    "policy_covers_it": (_call(A("your policy includes storm damage, so that's covered."), C("good")), "policy_language", False),
    "refer_your_claim": (_call(A("I'm referring your claim to the specialist team now."), C("ok")), "handoff", True),
    "partner_will_call": (_call(A("a surveyor from our partner firm will call you tomorrow."), C("ok")), "handoff", True),
    "take_it_up_with_seller": (_call(A("you'll need to take it up with the seller."), C("fine")), "handoff", True),
    "transfer_your_number": (_call(A("here's the code to transfer your number to the new network."), C("ta")), "handoff", False),
    "pass_feedback_on": (_call(A("I'll pass your feedback on to the product team."), C("ok")), "handoff", False),
    "internal_review": (_call(A("I've asked our coding team to check it and I'll stay your contact."), C("ok")), "handoff", False),
    "thats_on_you": (_call(A("you ticked that box yourself, so that's on you."), C("no")), "blaming", True),
    "as_i_said": (_call(A("as I said, the light has to be green first."), C("it is")), "blaming", True),
    "your_responsibility": (_call(A("it's your responsibility to keep the code safe."), C("what")), "blaming", True),
    "not_your_fault": (_call(A("this was not your fault at all, it's our error."), C("thanks")), "blaming", False),
    "should_receive": (_call(A("you should receive the new card by Friday."), C("ok")), "blaming", False),
    "delivery_fee_refund_with_pence": (_call(A("I'll resend it today and refund the £4.99 delivery charge."), C("ok")),
                                       "compensation_offered", True),
    "honour_old_price": (_call(A("the sale has ended but I can honour the sale price for you."), C("great")),
                         "compensation_offered", True),
    "honour_a_quote_is_putting_right": (_call(A("I'll honour the quote you were given at the desk."), C("good")),
                                        "compensation_offered", False),
    "situation_is_disappointing": (_call(A("missing the match because of us is so disappointing."), C("yes")), "empathized", True),
    "must_have_been_frightening": (_call(A("oh no, that must have been frightening."), C("it was")), "empathized", True),
    "chase_it_myself": (_call(A("I'll stay on it and chase the engineers myself."), C("ok")), "took_ownership", True),
    "team_will_call": (_call(A("the repairs team will call you before Friday."), C("ok")), "followup_promised", True),
    "not_something_we_offer": (_call(A("unfortunately that's not something we offer on this tariff."), C("oh")),
                               "policy_language", True),
    "no_authority": (_call(A("I don't have the authority to change that."), C("who does")), "policy_language", True),
    "in_the_small_print": (_call(A("it's in the contract you signed, clause nine."), C("so")), "policy_language", True),
    "log_into_your_account": (_call(A("please log into your account and raise it there."), C("fine")), "policy_language", True),
    "app_mentioned_is_no_deflection": (_call(A("I've pushed the readings through the app for you."), C("ok")),
                                       "policy_language", False),
    "system_did_it_is_no_deflection": (_call(A("the system suspended it automatically, and I've restored it now."), C("ok")),
                                       "policy_language", False),
    "team_will_contact_instead": (_call(A("our complaints team will contact you within five days."), C("ok")), "handoff", True),
    "speak_to_your_bank": (_call(A("you'd need to speak to your card provider about that."), C("ok")), "handoff", True),
    "get_my_supervisor": (_call(A("let me get my supervisor for you."), C("please")), "handoff", True),
    "senior_engineer_is_internal": (_call(A("I can get a senior engineer to look at the line and I'll call you back."), C("ok")),
                                    "handoff", False),
    "you_were_supposed_to": (_call(A("you were supposed to return it within the month."), C("I did")), "blaming", True),
    "if_youd_read": (_call(A("if you'd read the email you would have seen the date."), C("what")), "blaming", True),
    "it_says_clearly": (_call(A("it says clearly on the booking page."), C("where")), "blaming", True),
    "you_entered_the_wrong": (_call(A("you entered the wrong postcode, that's why."), C("no")), "blaming", True),
    "we_entered_it_wrong_is_no_blame": (_call(A("we entered the wrong postcode on our side, I'm sorry."), C("ok")),
                                         "blaming", False),
    "gesture_of_goodwill_code": (_call(A("here's a discount code for your next order as a gesture of goodwill."), C("ok")),
                                 "compensation_offered", True),
    "thanks_for_your_patience_is_no_gift": (_call(A("thank you for your patience."), C("ok")), "compensation_offered", False),
    "outage_credit": (_call(A("I've applied an outage credit to the account."), C("ok")), "compensation_offered", True),
    "non_refundable": (_call(A("unfortunately the ticket is non-refundable."), C("but")), "policy_language", True),
    "put_it_in_writing": (_call(A("you'll need to put your complaint in writing."), C("fine")), "policy_language", True),
    "confirm_in_writing_is_no_deflection": (_call(A("I'll confirm the refund in writing today."), C("ok")),
                                            "policy_language", False),
    "decision_stands": (_call(A("I'm afraid the decision is final."), C("no")), "policy_language", True),
    "offer_stands_is_no_deflection": (_call(A("and the offer to leave without a fee stands for a month."), C("ok")),
                                      "policy_language", False),
    "not_our_fault": (_call(A("the delay is not our fault, it's the courier."), C("so")), "blaming", True),
    "you_misunderstood": (_call(A("you've misunderstood how the tariff works."), C("no")), "blaming", True),
    "why_didnt_you": (_call(A("why didn't you call us when it first happened?"), C("I did")), "blaming", True),
    "our_mistake_is_no_blame": (_call(A("that's our mistake, and I'm sorry."), C("ok")), "blaming", False),
    "we_sent_a_confirmation_is_no_blame": (_call(A("we've sent you a confirmation email."), C("ok")), "blaming", False),
    "manager_will_call": (_call(A("my supervisor will call you this afternoon."), C("ok")), "handoff", True),
    "waive_next_months_bill": (_call(A("I'll waive next month's line rental for the trouble."), C("ok")),
                               "compensation_offered", True),
    "extra_data": (_call(A("I've added 10GB of extra data to your plan this month."), C("ok")), "compensation_offered", True),
    "bare_okay_question": (_call(A("I'll book the 7pm flight for you. Okay?"), C("yes great")), "agreement_obtained", True),
    # the fourth round: feelings named in other words, questions in other words, ASR without marks
    "empathy_fed_up_too": (_call(A("water all over the worktop first thing, I'd be fed up too."), C("yeah")), "empathized", True),
    "empathy_end_of_tether_too": (_call(A("oh, I'd be at the end of my tether too"), C("yeah")), "empathized", True),
    "empathy_feel_like": (_call(A("a fee landing on top of all that must feel like a kick in the teeth."), C("it does")), "empathized", True),
    "empathy_lousy_day": (_call(A("oh man stuck on the interstate and then a bill on top that's a lousy day"), C("yeah")), "empathized", True),
    "empathy_thats_rough": (_call(A("oh, that's rough, stuck at the airport with no answers."), C("it is")), "empathized", True),
    "empathy_frighten_anyone": (_call(A("a debt collector's letter for a bill you've paid, that would frighten anyone"), C("yes")), "empathized", True),
    "bad_line_is_no_empathy": (_call(A("sorry, it's a bad line, could you say that again?"), C("ok")), "empathized", False),
    "tough_question_is_no_empathy": (_call(A("that's a tough one, let me check the tariff."), C("ok")), "empathized", False),
    "id_be_happy_to_is_no_empathy": (_call(A("I'd be happy to check that for you as well."), C("ok")), "empathized", False),
    "sorry_about_your_dad_is_no_apology": (_call(A("Sorry to hear about your dad, I hope he's doing ok."), C("thanks")), "apologized", False),
    "ok_to_go_ahead": (_call(A("reship next-day today and the £4.99 back to your card. OK to go ahead?"), C("yes please")),
                       "agreement_obtained", True),
    "shall_i_lock_in_am": (_call(A("Shall I lock in the 7 a.m. direct for the three of you?"), C("yeah, go for it, thanks")),
                           "agreement_obtained", True),
    "what_would_work_best": (_call(A("What would work best for you and the kids?"), C("home tonight")), "asked_desired_outcome", True),
    "asr_is_that_what_happened": (_call(A("okay so a duplicate payment pushed you into overdraft and then the fees piled on top is that what happened"),
                                        C("yeah exactly")), "verified_understanding", True),
    "summary_after_done": (_call(A("I'll refund the difference and send a voucher."), C("great"),
                                 A("Done. $120 back in 3-5 days, voucher in your email today. Thanks for shopping with us!")),
                           "summarized", True),
    "done_then_thanks_is_no_summary": (_call(A("I'll update the documents."), C("ok"), C("thanks"),
                                             A("Done. Your documents will be emailed over in the next hour. Thank you for staying with us, six years now.")),
                                       "summarized", False),
}

COUNT_CASES = {
    "two_options": (_call(A("I can refund you in full, or send a replacement tomorrow."), C("refund")), "options_offered", 2),
    "transfer_is_no_option": (_call(A("let me transfer you to billing."), C("fine")), "options_offered", 0),
    "website_is_no_option": (_call(A("you can check the status on our website."), C("fine")), "options_offered", 0),
    "overlap_question_interrupts": (_call(GREETING, ("customer", "my bill has gone up by forty pounds and nobody told me why", 3.0, 10.0),
                                          ("agent", "what's the account number", 8.0, 9.5), C("5 5 0 1"),
                                          A("I'm sorry about that."), opening=False), "vent_interruptions", 1),
    "backchannel_in_pause": (_call(GREETING, ("customer", "my bill has gone up by forty pounds and nobody told me why", 3.0, 10.0),
                                   ("agent", "mm-hm", 10.3, 10.6), ("customer", "and I've been a customer for years", 11.0, 14.0),
                                   A("I'm sorry about that."), opening=False), "vent_interruptions", 0),
    "overlap_later_does_not_count": (_call(A("I'm sorry about that, let me look."), ("customer", "please be quick about it", 8.0, 12.0),
                                           ("agent", "okay I've found it", 11.0, 13.0)), "vent_interruptions", 0),
    "question_cut_in_between_parts": (_call(GREETING, C("I ordered a sofa in March and paid twelve hundred pounds for it"),
                                            A("Can I take your order number?"), C("55102"),
                                            C("anyway it's now fourteen weeks late and every date gets missed"),
                                            A("That's not okay, I'm so sorry."), opening=False), "vent_interruptions", 1),
    # a question once the customer has finished, answered with a reference read out, is the agent's
    # response, not a cut-in: nothing of the complaint comes between its parts
    "id_question_after_complaint": (_call(GREETING, C("my sofa was supposed to come on saturday and it never came, i waited in all day"),
                                          A("can i have the order number"), C("h s four four nine two one"),
                                          A("thanks, I can see the driver marked it as attempted."), opening=False),
                                    "vent_interruptions", 0),
    "number_read_out_is_no_continuation": (_call(GREETING, C("hello, I want to leave, the signal in my flat has been zero for three months"),
                                                 A("okay sir, what is the number you are calling about?"),
                                                 C("seven seven zero nine, four four one, two two six"),
                                                 A("thank you, I can see the mast near you is down."), opening=False),
                                           "vent_interruptions", 0),
    "id_question_then_complaint_goes_on": (_call(GREETING, C("my sofa was supposed to come on saturday and it never came, i waited in all day"),
                                                 A("can i have the order number"), C("h s four four nine two one"),
                                                 C("and nobody even rang me to say the driver wasn't coming at all"),
                                                 A("I'm so sorry, that's not good enough."), opening=False),
                                           "vent_interruptions", 1),
    "refund_in_any_tense": (_call(A("I can cancel it and refund both payments, or move you to the basic plan."), C("refund")),
                            "options_offered", 1),
    "refund_and_credit_for_the_day": (_call(A("I've removed the £45 and added a £20 credit for the wasted day."), C("ok")),
                                      "options_offered", 2),
    "statutory_compensation_refund_and_goodwill": (
        _call(A("you're owed €400 compensation, I'll refund the fare, and I'll add miles as a goodwill gesture."), C("ok")),
        "options_offered", 3),
    "team_who_can_rebook_is_no_option": (_call(A("I'll pass you to the moves team who can rebook the install."), C("ok")),
                                         "options_offered", 0),
    "refund_claims_team_is_no_option": (_call(A("our fraud team handle the refund claims, I'm transferring you."), C("ok")),
                                        "options_offered", 0),
    "new_contract_price": (_call(A("I can do £32 a month on a new 18-month contract."), C("ok")), "options_offered", 1),
    "matching_a_database_is_no_option": (_call(A("the address didn't match the postcode database."), C("ok")),
                                         "options_offered", 0),
    "hotel_at_our_cost_and_voucher": (_call(A("we'll pay for the hotel, and I'll send a £50 voucher as well."), C("ok")),
                                      "options_offered", 2),
    "first_real_apology_turn": (_call(A("sorry, could you repeat the account number?"), C("4 4 1 2"),
                                      A("I'm really sorry, that charge is our mistake.")), "first_apology_turn", 4),
}

# ------------------------------------------------------------------------------------------
# The weak flags, phrased the many ways agents say them (US/UK/Indian English, formal and
# chat shorthand, ASR-style lower case without punctuation), each with near-misses that must
# not fire. Written from issue #17's rubric, not from any labelled set; each sentence is an
# agent turn after the usual opening, answered with "ok".
PHRASINGS = {
    "policy_language": (
        [
            "per our terms we can't refund a used voucher.",
            "i'm not authorised to change the tariff.",
            "I am not authorized to issue that.",
            "the system won't let me do that.",
            "the system just won't allow it, sorry.",
            "it's company policy I'm afraid.",
            "that's just how it works with direct debits.",
            "there's nothing I can do about that charge.",
            "theres nothing i can do sorry",
            "you'll need to do that online.",
            "you'll have to do it through the app.",
            "you can do that on our website.",
            "I can only go by what's on the system.",
            "unfortunately we don't make exceptions.",
            "we don't make exceptions for late payments.",
            "as per policy the fee is applied automatically.",
            "as per company norms we cannot refund after 30 days.",
            "kindly raise the request through our portal.",
            "kindly visit our website for the same.",
            "pls use the app to request it",
            "that's the rule, I'm afraid.",
            "rules say we can only refund to the original card.",
            "I'm not in a position to waive that.",
            "I've no way of overriding it.",
            "my system doesn't give me that option.",
            "i cant override the system",
            "that's out of my control.",
            "the policy is the policy.",
            "we have to follow the process.",
            "the process is that you return it first.",
            "it has to go through the online form.",
            "you would need to submit that via the online portal.",
            "that's not something I can do from here.",
            "I'm afraid I can't make an exception.",
            "we're not permitted to refund once the service is used.",
            "it's against policy to cancel mid-term.",
            "the terms you agreed to say the fee applies.",
            "the fee is in line with our terms and conditions.",
            "im afraid our hands are tied on this one",
            "unfortunately it's non refundable.",
            "yeah that's just the policy mate",
            "so the tariff change is done automatically by the system there's nothing we can do",
            "I can't go against what the system says.",
            "you'd have to raise a dispute online, we can't do it over the phone.",
            "that's not covered under your plan, I'm afraid.",
            "we can only refund to the original payment method.",
            "refunds can only be issued after the item is returned.",
            "i can't do that over chat, you'd have to call in",
            "that's a system limitation on our side.",
            "the system automatically applies the fee, I can't remove it.",
            "our records show the charge is correct, so it stands.",
            "it's our standard terms, everyone pays it.",
            "sir as per the process you have to visit the branch",
            "you have to submit it through the claims portal.",
            "you can raise a dispute through the online banking.",
            "those are the rules, unfortunately.",
            "that's beyond what I'm allowed to do.",
            "I don't have access to change that, sorry.",
            "I can't make changes to contracts, I'm only allowed to take payments.",
            "it's been flagged by the system so I can't release it.",
            "the fee is non-negotiable.",
            "we're not able to make any exceptions to that.",
            "legally we have to keep the account blocked.",
            "everything you need is in the FAQ section.",
            "we don't do refunds on sale items.",
            "once it's dispatched we can't cancel it.",
            "thats our policy im afraid",
            "im not allowed to do that",
            "theres nothing more i can do",
            "unfortunately we dont offer refunds on that",
            "the system wont let me change it",
            "its in the terms and conditions",
            "youll need to go through the app for that",
            "i dont have the authority to waive it",
        ],
        [
            "our policy lets me refund this in full.",
            "under your policy you're covered for that.",
            "I'll update the system now.",
            "I've checked the system and the refund has gone through.",
            "the app should show it in a few minutes.",
            "I've sent you a link by text as well, in case it helps.",
            "I can make an exception this time and refund it.",
            "I've done the change on the website for you.",
            "your policy number is on the letter.",
            "that's how we'll fix it: a refund and a credit.",
            "there's plenty I can do.",
            "let me see what I can do.",
            "I'll process it for you right now.",
            "the terms are clear and you're entitled to a refund.",
            "I'm authorised to refund this, so I will.",
            "I've raised it through our system and it's done.",
            "let me just check our process for this, one second.",
            "your online account will show the credit.",
            "the system shows the payment arrived on time, so the fee is our error.",
            "i can do that for you now no need to go online",
            "you don't need to go on the website, I've done it.",
            "I've checked and you're covered under your plan.",
            "the system's back up now, so I can process it.",
            "I'll raise a dispute on your behalf right now.",
            "I'm allowed to refund up to £50, so I'll do that now.",
            "I'll do it over the phone for you now.",
            "I've made an exception and removed the fee.",
            "the rules changed last year in your favour.",
            "you can also pay at the branch if that's easier.",
            "our process is to refund within three days, so it'll be there by Friday.",
            "i have access to your account now",
            "our policy lets me waive it so ive done that",
            "ive updated it in the system for you",
        ],
    ),
    "handoff": (
        [
            "let me transfer you to our billing team.",
            "I'll put you through to accounts.",
            "i will connect you to the technical team",
            "let me connect you with a specialist.",
            "I'm going to pass you over to my colleague in retentions.",
            "I'll refer this to the claims department.",
            "I'm escalating this to the complaints team.",
            "I'll escalate it to my manager and she'll call you.",
            "you'll need to call the bank about that.",
            "you'll need to call your card issuer.",
            "you need to ring the manufacturer.",
            "you have to contact the seller directly.",
            "you'll need to phone the repairs line on 0800 123.",
            "the billing team will contact you.",
            "our technical team will reach out to you tomorrow.",
            "the escalations team will get back to you within 48 hours.",
            "I'll raise a ticket with the network team and they'll get back to you.",
            "I'll raise a ticket and the tech team will contact you.",
            "I'll log a complaint with our resolutions team, they will be in touch.",
            "please hold while I transfer the call.",
            "I'm going to put you on to a supervisor.",
            "let me hand you over to the loans team.",
            "i'll get my team lead to call you back",
            "my manager will give you a call.",
            "i'll transfer u to the right dept",
            "pls contact the courier directly for that",
            "you will have to reach out to the merchant.",
            "you'd be best speaking to your insurer.",
            "I'll pass you to someone who can help with that.",
            "one of my colleagues from the fraud team will call you.",
            "I'm going to route you to our disputes desk.",
            "that's handled by our sister company, I'll put you through.",
            "let me get a supervisor on the line.",
            "i'll forward your case to the returns team and they will contact you",
            "kindly contact the concerned department.",
            "I'll transfer you over now.",
            "you'll need to get in touch with the airline.",
            "somebody from the accounts team will give you a ring.",
            "let me pass you on to my supervisor.",
            "i will transfer this call to the concerned team",
            "you need to speak to the loss adjuster about that.",
            "I'll have to transfer you.",
            "can I pop you through to the team that deals with that?",
            "I'll send you across to customer relations.",
            "you'll have to go through your landlord for that.",
            "best thing is to contact the retailer you bought it from.",
            "I'll get someone from the specialist team to ring you.",
            "a member of our complaints team will be in contact.",
            "ma'am I am transferring the call to the technical team",
            "i'll escalate this to level 2 support",
            "I'll get you over to the right department.",
            "the supervisor will be with you in a moment.",
            "you'd need to go back to the travel agent who booked it.",
            "im going to transfer you to billing now",
            "ill put you through to the right team",
            "youll need to contact your bank",
            "the returns team will call you tomorrow",
            "let me get my manager",
            "ill pass you over to my colleague",
        ],
        [
            "I'll transfer the money back to your account today.",
            "the balance transfer went through on Monday.",
            "I'll pass your comments on to the team.",
            "I'll check with my team lead and call you back myself.",
            "I've asked the engineers to look at it and I'll stay your contact.",
            "you don't need to call anyone else, I'll sort it.",
            "I won't transfer you, I'll deal with it.",
            "the team fixed it last night.",
            "I'll transfer your credit to the new account.",
            "our team has already been in touch about the outage.",
            "the courier has it now and will deliver tomorrow.",
            "you can call me directly on this number.",
            "I'll call you back myself on Friday.",
            "I'll refer to your notes from last time.",
            "the bank transfer should arrive today.",
            "I can connect your new router remotely.",
            "I spoke to the billing team and they've removed it.",
            "let me put you on a short hold while I check.",
            "the engineer will arrive between eight and twelve.",
            "did you manage to call the bank?",
            "I've transferred the £20 to your card.",
            "I won't need to transfer you, I can do this.",
            "I spoke with my supervisor and she approved the refund.",
            "I'll get an engineer booked and I'll keep you updated.",
            "our specialist team fixed that yesterday.",
            "the transfer of ownership is complete.",
            "I'll check with the warehouse and come back to you myself.",
            "ill transfer the funds back today",
            "i wont transfer you ill sort it",
        ],
    ),
    "blaming": (
        [
            "you should have read the terms before signing.",
            "you should've told us you moved.",
            "you didn't update your address.",
            "you didn't tell us about the change.",
            "that's not what happened.",
            "as I already said, the fee stands.",
            "as i said before the card was cancelled",
            "if you had read the email you'd know.",
            "if you'd checked the app you would have seen it.",
            "that's on your end, not ours.",
            "it's an issue on your side.",
            "the problem is on your end.",
            "you didn't pay on time so the fee applies.",
            "you never sent us the form.",
            "you were told about this last month.",
            "you were informed by letter.",
            "you were warned about the charge.",
            "you agreed to this when you signed up.",
            "you should know your own password.",
            "well you missed the payment.",
            "it was your responsibility to cancel.",
            "the mistake was yours.",
            "that was your error, not ours.",
            "you entered the wrong card number.",
            "you've put the wrong address in.",
            "you must have entered it wrong.",
            "you're wrong about that.",
            "you clearly didn't read it.",
            "ur supposed to cancel 30 days before",
            "u didnt pay the last bill",
            "you haven't been paying attention.",
            "you forgot to return the device.",
            "again, as I've explained, it's not refundable.",
            "like I told you the first time, it's closed.",
            "it's because you didn't follow the instructions.",
            "you didnt follow the setup guide thats why it failed",
            "you caused this by cancelling the direct debit.",
            "that's down to you, I'm afraid.",
            "it's not our problem if you didn't check.",
            "it clearly says in the email, you just didn't read it.",
            "you are the one who cancelled it sir.",
            "you would have got an email about this.",
            "the letter was sent to you in March, did you not read it?",
            "you chose the cheaper option, so that's why.",
            "that's what you signed up for.",
            "it's not the bank's fault you gave out your pin.",
            "honestly you should read your emails.",
            "you didn't even try restarting it.",
            "you're the one who didn't cancel.",
            "well if you'd paid on time this wouldn't have happened.",
            "you'd have known if you checked the app.",
            "u must have clicked the wrong option",
            "the instructions were very clear.",
            "you shouldve read the email",
            "you didnt tell us you moved",
            "thats not what happened",
            "its your responsibility to check",
            "as i said the fee is correct",
            "youre supposed to return it first",
        ],
        [
            "you should have received a text from us.",
            "you should receive it by Friday.",
            "you didn't do anything wrong.",
            "this is not your fault at all.",
            "you shouldn't have to chase us for this.",
            "you should never have been charged.",
            "you didn't need to call, but I'm glad you did.",
            "you were right to call us.",
            "you were told the wrong date by us, I'm sorry.",
            "we entered the wrong address, that's on us.",
            "the error was ours, not yours.",
            "if you had any trouble, just call me.",
            "you'll receive a new card tomorrow.",
            "did you get the email we sent?",
            "that's on us, I'm sorry.",
            "you did everything right.",
            "you should be able to log in now.",
            "you never should have had to wait this long.",
            "as I said, I'll refund it today.",
            "i can see you paid on time",
            "it's our responsibility to fix this.",
            "and you were told last month it was sorted, is that right?",
            "you were told by our engineer it would be fixed, and it wasn't.",
            "honestly, I'm on your side here.",
            "you would have got a refund automatically, but we missed it, sorry.",
            "you chose the right option, we just processed it wrong.",
            "you signed up in March, I can see that.",
            "you did the right thing by calling.",
            "the instructions were confusing, that's on us.",
            "you'll get an email about this shortly.",
            "you shouldve had a text from us",
            "its not your fault",
        ],
    ),
    "took_ownership": (
        [
            "leave it with me.",
            "just leave this with me and I'll get it sorted.",
            "leave that one with me, I'll sort it.",
            "I'll take care of this for you personally.",
            "I'm going to own this until it's fixed.",
            "I'll make it my job to get this fixed.",
            "I'll take it from here.",
            "i will take ownership of this issue",
            "I'm taking responsibility for this case now.",
            "you don't have to call back, I'll handle it myself.",
            "you won't need to chase anyone, I've got this.",
            "I've got this, don't worry.",
            "don't worry, I'll sort it all out myself.",
            "I'll see this through to the end.",
            "i'll personally make sure it gets done",
            "I'll be your single point of contact from now on.",
            "I'll stay on this until it's resolved.",
            "I'll keep hold of this case myself.",
            "I'll follow it up personally with the warehouse.",
            "consider it done, I'll take care of everything.",
            "rest assured I'll handle this end to end.",
            "i'll deal with it myself, no need to ring again",
            "I'm not going to pass you around, I'll fix it.",
            "I'll chase it myself and keep you updated.",
            "this is on me now, I'll get it fixed.",
            "I'll make sure this gets sorted, you have my word.",
            "let me handle this for you from start to finish.",
            "I'll look after this personally.",
            "i will personally look into this and get back to u",
            "I'll keep this case under my name.",
            "you can deal with me directly from now on.",
            "here's my direct extension, ask for me by name.",
            "I'll make it my priority to get this resolved.",
            "I'll sort this out for you, you have my word.",
            "I'm taking this on myself.",
            "leave it to me.",
            "I'll keep an eye on it myself until it's delivered.",
            "from here on I'll be the one dealing with it.",
            "I'll get this fixed for you, you have my word.",
            "i'll make sure this is sorted for you today myself",
        ],
        [
            "that's our responsibility, not yours.",
            "I'll send you an email with the details.",
            "I'll call you tomorrow to check.",
            "I've updated your address.",
            "let me transfer you to the team who can fix it.",
            "I'll pass this to our complaints team.",
            "the team will take care of it.",
            "the engineer will take care of it.",
            "I'll just check that for you.",
            "let me look into that.",
            "I'll note it on the account.",
            "leave your number and someone will call.",
            "you'll need to take it up with the bank.",
            "I'll raise a ticket for the tech team.",
            "I can't take responsibility for the courier.",
            "we take responsibility for all deliveries.",
            "I'll personally send you the form.",
            "our team owns the process.",
            "take care of yourself.",
            "I'll make a note of that.",
            "you take care now, bye.",
            "I promise the refund will arrive by Friday.",
            "I'll make sure the engineer has your number.",
        ],
    ),
    "compensation_offered": (
        [
            "I can offer you a £20 credit for the trouble.",
            "I've applied a credit of ten pounds to your account.",
            "we'll knock £15 off your next bill.",
            "i can give you a discount on your next order",
            "I'll waive next month's fee as a goodwill gesture.",
            "as a gesture of goodwill I've added 500 points.",
            "let me give you a month free.",
            "I'm going to give you two months free of charge.",
            "you'll get a free month on us.",
            "I can offer a voucher for your next stay.",
            "I've sent you a £25 voucher.",
            "we'll price match that for you.",
            "I'll match the price you saw online.",
            "I can do 20% off your next three bills.",
            "i've added a courtesy credit to the account",
            "I'll refund the delivery charge for the inconvenience.",
            "we'll give you 50 dollars off as an apology.",
            "I can credit your account with 1000 rupees as a goodwill gesture.",
            "we'll take 10 pounds off this month's bill.",
            "I'll waive the late fee as a one off.",
            "let me offer you a goodwill payment of £30.",
            "i can put a credit on for the hassle",
            "I'll throw in a free upgrade.",
            "I'll upgrade you to the faster plan at no extra cost.",
            "I've applied a 15 percent discount.",
            "we'd like to offer you some compensation.",
            "you'll receive a goodwill credit of £10 on your next statement.",
            "I can refund you a month's subscription for the trouble.",
            "we'll cover the cost of the taxi as well.",
            "I've added some bonus miles to your account.",
            "i can offer u a 10 pound voucher",
            "I can give you cashback of £20.",
            "we'll give you a partial refund of £15 for the inconvenience.",
            "I've given you a loyalty discount.",
            "the next month is on us.",
            "I'll give you a reduced rate for the rest of the year.",
            "how about I knock twenty off the bill?",
            "I've credited £5 back to say sorry.",
            "so i can offer you a credit of fifteen pounds for the trouble",
            "I can add free delivery on your next order.",
            "we'll waive the cancellation fee.",
            "as a thank you for your patience I've added £10 to your account.",
            "I'll give you the upgrade for free.",
            "we'll refund your delivery as a gesture.",
            "I can offer you 3 months half price.",
            "let me sort you out with a voucher.",
            "I'll put some credit on your account to make up for it.",
            "I'm going to give you back this month's subscription.",
            "I'll add a free night to your next booking.",
            "we can reduce your bill by twenty percent.",
            "i can give 500 rs off on the next bill",
            "I'll pop a tenner on your account.",
            "to make it right I'll give you a full month free.",
            "ill add a ten pound credit for the trouble",
            "ive applied a goodwill credit",
            "ill give you a months free",
            "we can do twenty percent off your next bill",
            "ill waive the cancellation fee for you",
            "heres a voucher for your next order",
        ],
        [
            "I'll refund the money we took by mistake.",
            "your credit card will be charged on the 1st.",
            "the discount ended last month.",
            "you can claim compensation through our website.",
            "your account is in credit.",
            "the free trial has ended.",
            "I'm sorry, I can't offer a discount.",
            "I'm not able to give you a credit.",
            "we don't offer vouchers.",
            "the price went up in April.",
            "I've corrected the bill to the right amount.",
            "your refund for the returned item is on its way.",
            "we'll check your credit score.",
            "it's free to change your plan online.",
            "the upgrade is £5 a month.",
            "you'll need a new voucher code from the shop.",
            "the offer was for new customers only.",
            "we'll send you a refund form.",
            "your points balance is 400.",
            "thank you for your patience.",
            "the late fee will stay on the account.",
            "your voucher has been applied to the order.",
            "that's the price we can do for new customers.",
            "I'll refund the overcharge we made.",
            "you'll get money off if you pay by direct debit.",
            "your free month ended in June.",
            "I can't put any credit on the account.",
            "youre in credit by ten pounds",
            "i cant offer a discount sorry",
        ],
    ),
}

# A third round, written from the rubric before the dev calls ev-0159..0198 were read: positives
# in words the earlier rules missed, and the near-misses the broadened patterns must leave alone.
MORE_PHRASINGS = {
    "policy_language": (
        [
            "I'm sorry but that's just how our billing works.",
            "the computer's put that fee on automatically, I can't touch it.",
            "unfortunately once the 14 days are up we can't do anything.",
            "it's done through self service now",
            "I cannot process refunds past 30 days.",
            "that's not something our team can authorise.",
            "we can't accept returns after 28 days, sorry.",
            "that's just the process for property claims.",
            "I'm not able to log it here, it has to go through our partner.",
        ],
        [
            "you can see the refund in the app once it lands.",
            "I'll email you a copy of the terms if you'd like.",
            "let me check what the terms say, one moment.",
            "I know the website is confusing, I'll do it for you.",
            "it's been 30 days since you ordered, so I'll refund it now.",
            "we've reinstated the policy from the date it lapsed.",
            "I'll add your wife to the policy today.",
        ],
    ),
    "handoff": (
        [
            "I'm going to bring in my supervisor.",
            "my colleague in the claims department will take it from here.",
            "you'll be contacted by our partner company, Apex Repairs.",
            "you'll need to raise that with the hospital directly.",
            "storm claims have to go through our claims partner.",
            "one of their assessors will ring you within two days.",
            "I'll pass your details across to the lettings team.",
        ],
        [
            "I'll pass this to our engineers and I'll keep you updated myself.",
            "I checked with my manager, and she's okayed the refund.",
            "you've been transferred a few times, I'm sorry, I'll sort it.",
            "I'll pass your feedback across to the team.",
        ],
    ),
    "blaming": (
        [
            "the email went out to you on the 2nd, so you were notified.",
            "it's in the contract you signed.",
            "well, you ticked the box for paper bills.",
            "honestly it's not that complicated, you just have to press reset.",
            "you missed the deadline, so the fee stands.",
        ],
        [
            "you were supposed to receive a letter, did you not get it?",
            "so you were told it would be fixed by Friday and it wasn't, is that right?",
            "you must be so fed up with this.",
            "so you missed your connection because the flight was late, is that right?",
            "you should have gotten a text from us before it went out, that's on us.",
        ],
    ),
    "compensation_offered": (
        [
            "for all the hassle, I'll put £20 on the account.",
            "and because this has taken so long, your next month is free.",
            "I can take a month off your bill for the inconvenience.",
            "we'll cover your next two deliveries free of charge.",
        ],
        [
            "I'll refund the £45 we took in error.",
            "I'll send a replacement free of charge.",
            "your next bill is due on the 3rd.",
        ],
    ),
}

# options_offered: distinct remedies offered as alternatives (ISP, retail, bank ...), each
# counted once; steps of one plan, transfers, investigations and the website are not remedies.
OPTION_PHRASINGS = {
    "either_refund_or_replace": ("I can either refund you or send a replacement.", 2),
    "option_one_option_two": ("option one is a full refund, option two is a replacement next week.", 2),
    "you_could_also_credit": ("I can refund the fee. you could also have a £10 credit instead.", 2),
    "or_if_you_prefer": ("I can send a new one, or if you prefer, a full refund.", 2),
    "or_you_can_cancel": ("I can waive the fee, or you can cancel without a penalty.", 2),
    "three_choices": ("you can have a refund, a replacement, or a voucher for the value.", 3),
    "chat_shorthand": ("i can refund it or send a new one, whichever u prefer", 2),
    "asr_no_punctuation": ("so i can either take the charge off or give you a credit for next month", 2),
    "steps_of_one_plan": ("I'll refund it, and then you'll see it back on your card in three days.", 1),
    "investigation_is_not_option": ("I'll open an investigation into the missing parcel.", 0),
    "troubleshooting_is_not_option": ("try restarting the router and then check the lights.", 0),
    "website_is_not_option": ("you can track it on our website.", 0),
    "transfer_is_not_option": ("I'll put you through to billing.", 0),
    "fixing_records_is_not_option": ("I've corrected your address on our records.", 0),
    "payment_plan_or_hold": ("we can set you up on a payment plan, or I can put the account on hold for 30 days.", 2),
    "rebook_or_refund": ("I can rebook you on tomorrow's flight or refund the ticket.", 2),
    # a second offer of the same kind, put as an alternative, is a second option
    "two_prices": ("I can do £20 a month on a two-year plan, or £25 with no contract at all.", 2),
    "two_times_and_refund": ("there's a seat at 6pm tonight, or the 9am tomorrow. or I can refund the fare.", 3),
    "price_question_is_no_option": ("was that £30 or £35 on the bill?", 0),
    "between_two_times_is_no_option": ("the engineer comes between 8am or 1pm.", 0),
    # honouring a price is refunding the difference: one remedy
    "honour_and_refund_difference": ("I'll honour the old price and refund you the difference.", 1),
    # a fee refunded is the fee removed, beside a refund of the purchase
    "refund_and_fee_refund": ("I'll refund you in full. I'll also refund the delivery charge.", 2),
    "fee_refunded_in_recap": ("so the replacement comes tomorrow and the postage fee refunded today.", 2),
    # something sent free to tide the customer over
    "free_loan_device": ("meanwhile I can send you a backup router, free of charge, until it's fixed.", 1),
    # the agent's refusal cancels, the customer's "won't" does not
    "hold_so_no_letters": ("I'll put your account on hold so you won't get any letters.", 1),
    "wont_be_able_to_refund": ("I won't be able to refund it, I'm afraid.", 0),
    # money taken off is a remedy; a package taken off the account is fixing it
    "knock_rental_off": ("I've knocked this month's line rental off for the hassle.", 1),
    "amount_comes_off_bill": ("the forty pounds comes off your next bill.", 1),
    "package_taken_off_is_no_option": ("I'll take the sports package off your account today.", 0),
    "on_top_in_restatement_is_no_option": ("so you paid, and then got a bill for two hundred on top?", 0),
    # remedies in the many words agents use for them (US/UK/Indian English, chat, ASR)
    "get_a_new_one_out": ("I can get a new one out to you tomorrow.", 1),
    "dispatch_replacement": ("we'll dispatch a replacement today, no charge.", 1),
    "send_another_one": ("I can send another one out first class.", 1),
    "send_it_out_again": ("I'll send it out again on next-day delivery.", 1),
    "swap_for_size": ("I can swap it for the larger size.", 1),
    "exchange_for_model": ("we can exchange it for a different model if you'd rather.", 1),
    "brand_new_unit": ("we'll get you a brand new unit.", 1),
    "credit_or_card": ("so what I can do is either credit your account or put the money back on your card", 2),
    "two_choices_colon": ("you've got two choices: we send a new one, or you get your money back.", 2),
    "refund_or_percent_off_in_words": ("there are a couple of things I can do: a full refund, or twenty percent off and you keep it.", 2),
    "keep_at_half_price_or_refund": ("you can either keep it at half price or send it back for a full refund.", 2),
    "refund_or_store_credit": ("I can offer you a full refund or store credit, your choice.", 2),
    "chat_refund_or_if_u_want": ("i can do a refund. or if u want a replacement thats fine too", 2),
    "asr_either_or": ("okay so i can either refund you the forty nine ninety nine or send a new one out whichever you prefer", 2),
    "indian_refund_or_replacement": ("ma'am we can offer you a full refund or a replacement of the same product", 2),
    "cancel_the_order": ("we can cancel the order altogether if you prefer.", 1),
    "end_contract_no_exit_fee": ("if you'd like to leave, I can end the contract early with no exit fee.", 1),
    "let_out_of_contract": ("I can let you out of the contract without the fee.", 1),
    "waive_it": ("I'll waive it.", 1),
    "late_fee_taken_off": ("I can get that late fee taken off for you.", 1),
    "wont_charge_call_out": ("we won't charge you for the call-out.", 1),
    "wont_pay_second_month": ("you won't have to pay for the second month.", 1),
    "freeze_account": ("we can freeze the account for 60 days while you sort things out.", 1),
    "pause_subscription": ("I can pause your subscription for a month.", 1),
    "stop_on_letters": ("I've put a stop on any further letters while this is looked into.", 1),
    "repayment_arrangement": ("we could set up a repayment arrangement, say fifty pounds a month.", 1),
    "split_balance": ("I can split the balance into three monthly payments.", 1),
    "emis": ("sir we can convert the outstanding into EMIs", 1),
    "cheaper_tariff": ("I can move you onto the cheaper tariff from today.", 1),
    "plan_that_costs_less": ("I can switch you to the basic plan, which is twelve pounds less.", 1),
    "book_onto_train": ("I can book you onto the 3:40 train tomorrow.", 1),
    "flight_i_can_put_you_on": ("there's a flight at seven tomorrow morning I can put you on.", 1),
    "change_flight": ("I can change your flight to Thursday at no cost.", 1),
    "reschedule_delivery": ("I can reschedule the delivery for Saturday.", 1),
    "redeliver_or_collect": ("we can redeliver on Monday or you can collect from the depot.", 2),
    "put_pounds_on_account": ("I'll put twenty pounds on your account.", 1),
    "give_pounds_off": ("I'll give you £30 off.", 1),
    "percent_off_fee": ("we can take 15% off the annual fee.", 1),
    "cover_vet_bill": ("I'll cover the vet bill.", 1),
    "have_it_back": ("I've cancelled the duplicate payment and you'll have it back tomorrow.", 1),
    # the refusal of one remedy does not cancel the next one offered
    "refuse_refund_offer_replacement": ("I can't refund it, but I can send a replacement.", 1),
    "asr_refuse_refund_offer_voucher": ("i cant do a refund but i can give you a voucher", 1),
    "refuse_both": ("I'm afraid I can't offer a refund or a replacement.", 0),
    "replacement_not_possible": ("unfortunately a replacement isn't possible.", 0),
    # not remedies: repairs of the company's fault, investigations, records, self-service, past refunds
    "engineer_visit_is_no_option": ("I'll get an engineer out to fix the line on Tuesday.", 0),
    "new_password_link_is_no_option": ("I've sent a new password reset link.", 0),
    "new_e_ticket_is_no_option": ("you'll get a new e-ticket by email with the correct name.", 0),
    "past_refund_is_no_option": ("the refund went back to your card on the 3rd, so you should see it.", 0),
    "refund_already_paid_is_no_option": ("the refund you asked for was already paid on Monday.", 0),
    "fault_on_us_is_no_option": ("that's on us, it should have been caught.", 0),
    "website_request_is_no_option": ("you can request a refund on our website.", 0),
    "consequence_of_plan_is_one": ("fifty a month works. that puts the account on hold and stops the letters.", 1),
    "knocked_off_for_trouble_is_one": ("I've knocked the first month's rental off, twenty-two pounds, for the trouble.", 1),
    "switch_back_is_no_option": ("I can switch you back to your old plan today.", 0),
    "arrange_redelivery": ("I can arrange a redelivery for tomorrow.", 1),
    "redelivery_fee_is_no_option": ("there's a redelivery fee of thirty pounds.", 0),
    "reinstate_membership": ("we've agreed to reinstate your membership from the date it stopped.", 1),
    "fixed_tariff_brings_it_down": ("you could switch to our fixed tariff, which would bring it down by about 15%.", 1),
    "hotel_paid_restated_is_no_option": ("so you had to pay for a hotel because the flight was cancelled, is that right?", 0),
    "other_team_can_look_at_plan": ("I'm transferring you to our hardship team, they can look at a payment plan.", 0),
    "seller_is_the_one_who_can_refund": ("you'll need to contact the seller, they're the ones who can issue a refund.", 0),
    "nothing_i_can_do_about_refund": ("I'm sorry, there's nothing I can do about the refund.", 0),
    "refund_as_goodwill_is_one": ("I'll refund the $35 as a goodwill gesture.", 1),
    "refund_and_goodwill_months": ("I'll refund the fee, and as a goodwill gesture I can add two free months.", 2),
    "two_departures_am": ("I can get you on the 6:10 tonight, or the 7 a.m. tomorrow.", 2),
    "tonight_or_first_flight": ("I can do the 9:40 tonight, or the first flight tomorrow.", 2),
    "move_payment_date": ("I can move your direct debit date to the 15th so it lands after payday.", 1),
    "hold_and_split": ("I'll put a hold on collections, and the balance I can split into four monthly payments.", 2),
    "cancel_the_duplicate": ("I'll cancel the duplicate today.", 1),
    "move_to_evening_flight": ("I can move you to the evening flight for a change fee.", 1),
    "chat_cancel_auto_renew": ("i can cancel auto-renew for u now", 1),
    "resend_and_refund_fee": ("I'll resend it today and refund the delivery fee.", 2),
    # the same remedy restated later counts once
    "refund_restated": (["I'll refund the full amount today.", "C:okay", "so that's the refund of sixty pounds going back today."], 1),
    "replacement_restated": (["I can send a replacement tomorrow.", "C:yes please", "great, the replacement is booked for tomorrow."], 1),
    "credit_restated": (["I'll credit £10 for the trouble.", "C:thanks", "so you'll see the ten pound credit on your next bill."], 1),
}


def _phrasing_cases() -> tuple[dict, dict]:
    flags, counts = {}, {}
    for prefix, table in (("", PHRASINGS), ("more_", MORE_PHRASINGS)):
        for practice, (positives, negatives) in table.items():
            for i, text in enumerate(positives):
                flags[f"{prefix}{practice}_says_{i:02d}"] = (_call(A(text), C("ok")), practice, True)
            for i, text in enumerate(negatives):
                flags[f"{prefix}{practice}_near_miss_{i:02d}"] = (_call(A(text), C("ok")), practice, False)
    for name, (text, n) in OPTION_PHRASINGS.items():
        lines = [C(t[2:]) if t.startswith("C:") else A(t) for t in ([text] if isinstance(text, str) else text)]
        counts[f"options_{name}"] = (_call(*lines, C("ok")), "options_offered", n)
    return flags, counts


_FLAGS, _COUNTS = _phrasing_cases()
CASES.update(_FLAGS)
COUNT_CASES.update(_COUNTS)

VERIFY_CASES = {
    "verbatim": (_call(A("so your bill has gone up by forty pounds this month, is that right?"), C("yes")), "verbatim"),
    "paraphrase": (_call(A("so you've been charged more than usual without any explanation, is that right?"), C("yes")),
                   "paraphrase"),
    "none": (_call(A("I'm sorry about that."), C("okay")), "none"),
}


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    """transcript_calls for every case, detected in one run."""
    rows = []
    for name, (turns, *_) in {**CASES, **COUNT_CASES, **VERIFY_CASES}.items():
        rows += [{"call_id": name, "turn": i, "speaker": s, "start_s": a, "end_s": b, "text": t}
                 for i, (s, t, a, b) in enumerate(turns)]
    con = duckdb.connect()
    con.register("cases", pd.DataFrame(rows))
    con.execute("CREATE TABLE transcript_turns AS SELECT * FROM cases")
    detect(con)
    out = con.execute("SELECT * FROM transcript_calls").fetchdf().set_index("call_id")
    out.attrs["evidence"] = con.execute("SELECT * FROM transcript_practices").fetchdf()
    con.close()
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_flag(calls, name):
    _, practice, expected = CASES[name]
    assert bool(calls.loc[name, practice]) is expected


@pytest.mark.parametrize("name", list(COUNT_CASES))
def test_count(calls, name):
    _, column, expected = COUNT_CASES[name]
    assert int(calls.loc[name, column]) == expected


@pytest.mark.parametrize("name", list(VERIFY_CASES))
def test_verify_mode(calls, name):
    assert calls.loc[name, "verify_mode"] == VERIFY_CASES[name][1]


def test_let_vent_follows_the_interruptions(calls):
    assert not calls.loc["overlap_question_interrupts", "let_vent"]
    assert calls.loc["backchannel_in_pause", "let_vent"]


def test_every_value_has_its_evidence(calls):
    evidence = calls.attrs["evidence"]
    row = evidence[(evidence.call_id == "apology") & (evidence.practice == "apologized")].iloc[0]
    assert (row.turn, row.rule) == (2, "apology") and "sorry" in row.evidence
    verbatim = evidence[(evidence.call_id == "verbatim") & (evidence.practice == "verify_mode")].iloc[0]
    assert verbatim.value == "verbatim" and len(verbatim.evidence.split()) == 5


def test_agent_talk_share_is_the_agents_share_of_speaking_time(calls):
    """Agent turns 2 s + 2 s, customer 2 s + 2 s: share 0.5."""
    assert calls.loc["apology", "agent_talk_share"] == pytest.approx(0.5)


def test_first_apology_position_is_the_share_of_the_call_elapsed(calls):
    """Turns of 2 s after 0.5 s pauses: the apology (turn 2) starts at 5.5 s of a call from 0.5 s
    to 10.0 s: (5.5 - 0.5) / 9.5."""
    assert calls.loc["apology", "first_apology_position"] == pytest.approx(5.0 / 9.5, abs=1e-3)


def test_a_centre_can_add_its_own_phrases(tmp_path):
    extra = tmp_path / "ours.toml"
    extra.write_text("[[rule]]\nname = \"apology\"\nmatch = ['''\\bwe regret\\b''']\n", encoding="utf-8")
    rules = load_rules("en", extra=[extra])
    con = duckdb.connect()
    con.execute("CREATE TABLE transcript_turns AS SELECT * FROM (VALUES "
                "('x', 0, 'customer', 0.0, 5.0, 'my parcel never came and I waited in all day for it'), "
                "('x', 1, 'agent', 5.5, 8.0, 'we regret the missed delivery.')) t(call_id, turn, speaker, start_s, end_s, text)")
    detect(con)
    assert not con.execute("SELECT apologized FROM transcript_calls").fetchone()[0]
    detect(con, rules=rules)
    assert con.execute("SELECT apologized FROM transcript_calls").fetchone()[0]


def test_a_rule_file_with_a_broken_rule_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nname = \"x\"\npractice = \"apologized\"\nspeaker = \"bot\"\nmatch = ['sorry']\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="speaker"):
        load_rules("en", extra=[bad])
