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
            # an out-of-pocket cost the fault caused, paid back, is a remedy, not compensation (labelled README)
            "we'll cover the cost of the taxi as well.",
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
            "unfortunately that's the terms of the promotion.",
            "i'm really sorry but our hands are tied by the regulator.",
            "the booking conditions state no refunds within 48 hours.",
            "you'd have to fill out the dispute form online.",
            "we only accept returns with a receipt.",
            "there's not a lot I can do, it's the system.",
            "i have no option on my screen to do that",
            "it's a company rule, everyone gets charged it.",
            "we are not authorised to discuss the account with you without the account holder.",
            "sir it is not possible as per the guidelines",
            "sorry, it's outside our returns window.",
            "we're unable to offer refunds on digital purchases.",
            "this has to be done by the account holder, I'm afraid.",
            "our hands are tied, the regulator sets the rules.",
            "you'll need to log in to your account and do it there.",
            "I'm afraid that's just the way it is with that tariff.",
            "our system only allows one change per booking.",
            "it's not something we do, I'm afraid.",
            "that's not our policy, sorry.",
            "we're not able to do anything once the claim's closed.",
            "the computer says no, I'm afraid.",
            "I can't go outside the guidelines.",
            "you can manage all of that in the app.",
            "best thing is to go on the website and raise it there.",
            "you'll find the form in the help section of the app.",
            "the charge is automatically generated, there's nothing I can change.",
            "I can only see what the system shows me.",
            "I don't have the permissions to do that.",
            "my hands are tied here, it's company rules.",
            "unfortunately it's past the cancellation deadline.",
            "that's the standard charge, it applies to everyone.",
            "we require 48 hours notice for cancellations.",
            "it's a non-refundable fare, so there's nothing I can do.",
            "I'm sorry, refunds are only given within 14 days.",
            "that's outside my remit.",
            "those fees are set by head office.",
            "you need to email the complaints address, we can't take complaints by phone.",
            "that'd be through self-serve in your account.",
        ],
        [
            "you can see the refund in the app once it lands.",
            "I'll email you a copy of the terms if you'd like.",
            "let me check what the terms say, one moment.",
            "I know the website is confusing, I'll do it for you.",
            "it's been 30 days since you ordered, so I'll refund it now.",
            "we've reinstated the policy from the date it lapsed.",
            "I'll add your wife to the policy today.",
            "I'll refund it under our price promise.",
            "the system's flagged that you were overcharged, so I'll fix it.",
            "the terms say you're covered for accidental damage.",
            "I can see on our system the parcel is at the depot.",
            "i'll make an exception this once and refund it.",
            "we'll process it for you, you don't need to go online.",
            "the system has now updated and the refund is on its way.",
            "I've checked our policy and you're entitled to a full refund.",
            "I'll do that for you now, no need to use the app.",
            "our process is to call you back within the hour, which I'll do.",
            "I'm able to override that, so I'll remove it.",
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
            "I'll put you through to a colleague in complaints.",
            "I'll need to transfer you to the mortgage team, hold the line please.",
            "that's one for the retailer, you'd need to go back to them.",
            "our claims team will take it from here and call you tomorrow.",
            "i am transferring your call to the senior team",
            "you'll have to contact DVLA directly.",
            "the bank will need to deal with the fraud side, here's their number.",
            "let me loop in our billing specialist, she'll take over from here.",
            "please contact the airline directly for the refund.",
            "you will be redirected to our technical team.",
            "our partners at QuickFix will contact you to arrange a visit.",
        ],
        [
            "I'll pass this to our engineers and I'll keep you updated myself.",
            "I checked with my manager, and she's okayed the refund.",
            "you've been transferred a few times, I'm sorry, I'll sort it.",
            "I'll pass your feedback across to the team.",
            "I'll have a word with my team leader and ring you back myself.",
            "I'll ask the warehouse to check and I'll update you.",
            "I'm going to transfer the balance to your new account.",
            "I'll stay on the line while I check with billing.",
            "the engineer's coming Tuesday, and I'll be your contact throughout.",
        ],
    ),
    "blaming": (
        [
            "the email went out to you on the 2nd, so you were notified.",
            "it's in the contract you signed.",
            "well, you ticked the box for paper bills.",
            "honestly it's not that complicated, you just have to press reset.",
            "you missed the deadline, so the fee stands.",
            "you put the wrong postcode on the order.",
            "well that's because you didn't submit a meter reading.",
            "it's clearly stated in the confirmation email.",
            "you should of called us before the due date.",
            "to be fair, that's on you for not checking.",
            "you agreed to the terms when you booked.",
            "the form clearly said no refunds.",
            "you were sent three reminders.",
        ],
        [
            "you were supposed to receive a letter, did you not get it?",
            "so you were told it would be fixed by Friday and it wasn't, is that right?",
            "you must be so fed up with this.",
            "so you missed your connection because the flight was late, is that right?",
            "you should have gotten a text from us before it went out, that's on us.",
            "the app tells you that before you confirm.",
            "if that happens again, just call us.",
            "I see you submitted it on time.",
            "you didn't get the confirmation email? let me resend it.",
            "you've done nothing wrong here.",
            "you were right to flag it.",
        ],
    ),
    "compensation_offered": (
        [
            "for all the hassle, I'll put £20 on the account.",
            "and because this has taken so long, your next month is free.",
            "I can take a month off your bill for the inconvenience.",
            "we'll cover your next two deliveries free of charge.",
            "I'd like to offer you fifty pounds for your trouble.",
            "I've put a £15 goodwill credit on your account.",
            "as an apology we'll give you a free upgrade to next-day.",
            "I'll knock 10% off your bill for the next three months.",
            "I can offer some compensation for the delay.",
            "I'll add 1,000 bonus points to say sorry.",
            "we'll refund your booking fee as a goodwill gesture.",
            "I'll give you a free month on your subscription for the inconvenience.",
            "as a thank you for your patience, here's a 15% off code.",
        ],
        [
            "I'll refund the £45 we took in error.",
            "I'll send a replacement free of charge.",
            "your next bill is due on the 3rd.",
            "I'll refund the overcharge straight away.",
            "I'll send the missing part today.",
            "your refund should be in your account within 5 days.",
            "I'll put the missing £20 back on your card.",
            "I've corrected the tariff, so your bill drops by £12.",
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
    # a fifth round, from the rubric (no labelled call read): remedies in yet other words, refusals of a list
    "what_i_m_able_to_do": ("what I'm able to do is credit the £30 back to your account today.", 1),
    "i_m_happy_to_refund_that": ("I'm happy to refund that for you.", 1),
    "we_can_give_you_your_money": ("we can give you your money back, no problem.", 1),
    "i_ll_get_your_deposit_returned": ("I'll get your deposit returned to you.", 1),
    "i_can_offer_a_courtesy_credit": ("I can offer a courtesy credit of ten dollars.", 1),
    "i_can_give_you_store_credit": ("I can give you store credit for the full amount.", 1),
    "we_ll_post_a_new_remote": ("we'll post a new remote out free of charge.", 1),
    "let_me_arrange_for_a_courier": ("let me arrange for a courier to collect it and deliver a new one.", 1),
    "i_can_get_an_exchange_sorted": ("I can get an exchange sorted for you in store.", 1),
    "you_re_entitled_to_a_refund": ("you're entitled to a refund, so I'll process that now.", 1),
    "i_ll_refund_the_ticket_or": ("I'll refund the ticket, or I can rebook you for free on Friday.", 2),
    "we_can_knock_it_down_to": ("we can knock it down to twenty a month.", 1),
    "i_can_lower_your_monthly_payment": ("I can lower your monthly payment to £25.", 1),
    "i_ll_remove_the_charge_from": ("I'll remove the charge from your bill.", 1),
    "the_late_payment_fee_has_been": ("the late payment fee has been taken off.", 1),
    "i_ll_zero_the_balance_on": ("I'll zero the balance on that invoice.", 1),
    "yeah_so_i_can_give_you": ("yeah so i can give you a full refund or we can send an engineer to swap the unit which would you prefer", 2),
    "i_can_either_issue_a_refund": ("I can either issue a refund to your card or you can keep the credit on your account for next time.", 2),
    "i_can_offer_20_discount_on": ("i can offer 20% discount on your next recharge sir", 1),
    "we_can_give_you_a_30": ("we can give you a 30 day payment extension.", 1),
    "i_can_push_the_due_date": ("I can push the due date back two weeks for you.", 1),
    "i_ll_stop_the_direct_debit": ("I'll stop the direct debit until this is sorted.", 1),
    "we_can_put_the_debt_on": ("we can put the debt on hold for 30 days.", 1),
    "i_ll_set_up_a_repayment": ("I'll set up a repayment plan of £40 a month.", 1),
    "i_can_upgrade_you_to_the": ("I can upgrade you to the next model at no cost.", 1),
    "there_are_two_things_i_can": ("there are two things I can do for you. one, a full refund. two, a replacement next week.", 2),
    "first_option_we_refund_the_lot": ("first option, we refund the lot. second option, we send the missing part.", 2),
    "we_ll_send_the_missing_part": ("we'll send the missing part out today.", 1),
    "i_ll_reissue_the_ticket_in": ("I'll reissue the ticket in the right name.", 0),
    "let_me_reset_your_password": ("let me reset your password.", 0),
    "i_ll_log_a_fault_and": ("I'll log a fault and an engineer will be in touch.", 0),
    "i_ve_raised_a_complaint_on": ("I've raised a complaint on your behalf.", 0),
    "i_ve_updated_your_contact_details": ("I've updated your contact details.", 0),
    "please_restart_the_router_and_wait": ("please restart the router and wait ten minutes.", 0),
    "i_ve_applied_the_correct_tariff": ("I've applied the correct tariff to your account, so next month's bill will be right.", 0),
    "you_can_cancel_your_order_through": ("you can cancel your order through the app.", 0),
    "our_returns_team_will_process_the": ("our returns team will process the refund once it's back.", 0),
    "sorry_we_can_t_offer_a": ("sorry, we can't offer a refund, a replacement or a credit on this one.", 0),
    "i_m_not_able_to_waive": ("I'm not able to waive the fee.", 0),
    "i_can_t_change_the_price": ("I can't change the price, I'm afraid.", 0),
    "the_refund_will_come_from_the": ("the refund will come from the seller, not us.", 0),
    # a sixth round: Indian English and chat registers, arranged replacements, reversals, loans
    "sir_i_will_initiate_the_refund": ("sir i will initiate the refund, it will reflect in 5-7 working days", 1),
    "we_will_arrange_a_replacement_unit": ("we will arrange a replacement unit at the earliest", 1),
    "ma_am_i_can_process_a": ("ma'am i can process a reversal of the charges", 1),
    "np_ill_sort_a_refund_4": ("np, ill sort a refund 4 u now", 1),
    "can_do_a_partial_refund_of": ("can do a partial refund of $40 if that helps?", 1),
    "happy_to_waive_the_admin_fee": ("happy to waive the admin fee this time.", 1),
    "i_ll_get_that_fee_reversed": ("i'll get that fee reversed for you mate", 1),
    "we_can_offer_a_like_for": ("we can offer a like-for-like replacement or a refund to the original payment method.", 2),
    "if_you_want_to_cancel_i": ("if you want to cancel, I can do that today without any charge.", 1),
    "i_can_reactivate_the_account_straight": ("I can reactivate the account straight away.", 1),
    "let_me_just_rebook_that_for": ("let me just rebook that for you on the 14th.", 1),
    "we_ll_get_you_a_loan": ("we'll get you a loan car while yours is in the garage.", 1),
    "i_can_arrange_for_the_item": ("I can arrange for the item to be collected and a full refund issued.", 1),
    "ok_so_the_options_are_a": ("ok so the options are a voucher for twenty five pounds or the money back.", 2),
    "all_i_can_do_is_log": ("all I can do is log it with the team.", 0),
    "i_ll_send_you_a_link": ("I'll send you a link to reset your pin.", 0),
    "i_ve_reported_it_to_the": ("I've reported it to the network team.", 0),
    "you_can_apply_for_a_refund": ("you can apply for a refund using the form on our website.", 0),
    "i_ll_check_whether_a_refund": ("I'll check whether a refund is possible and call you back.", 0),
    # the same remedy restated later counts once
    "refund_restated": (["I'll refund the full amount today.", "C:okay", "so that's the refund of sixty pounds going back today."], 1),
    "replacement_restated": (["I can send a replacement tomorrow.", "C:yes please", "great, the replacement is booked for tomorrow."], 1),
    "credit_restated": (["I'll credit £10 for the trouble.", "C:thanks", "so you'll see the ten pound credit on your next bill."], 1),
}


# Round 8 (issue #17, holdout2 studied): each class of phrasing the rules missed on holdout2, said in
# US, UK, Indian and Australian English, formal and informal, chat shorthand and ASR lower case without
# punctuation, with the hard negatives of the same class. Written from the rubric, not copied from a call.
ROUND8_PHRASINGS = {
    "asked_desired_outcome": (
        [
            "What outcome are you hoping for?",
            "what result are you looking for from us sir",
            "What would a fair resolution look like to you?",
            "what's the fairest way to sort this out, in your view?",
            "What would be best for you?",
            "what would help on your side",
            "What are you hoping we can do?",
            "How would you like this resolved?",
            "what would you prefer we do for you madam",
            "Kindly tell me what you want us to do.",
            "wat wud u like us to do",
            "what do you reckon is fair mate",
            "How can we make it up to you?",
            "In your view, what should happen now?",
            "wot do u want us to do",
            "what'd you like us to do about it mate",
            "is there a particular outcome you have in mind?",
        ],
        [
            "What's the best number to reach you on?",
            "What would you like, the refund or the voucher?",
            "which would you prefer?",
            "anything else I can help with today?",
            "what date would you prefer for the engineer, Tuesday or Thursday?",
            "how would you like to pay today",
            "What's the outcome of the investigation so far? Let me check.",
        ],
    ),
    "took_ownership": (
        [
            "I'll look after your booking personally from here.",
            "i'll handle your claim myself",
            "I'm going to stay on this until it's fixed.",
            "I'll stick with this until it's sorted, mate.",
            "I'll be the one who sorts this out for you.",
            "I'm putting my name on this one.",
            "I'll keep this with me.",
            "i am going to own this one",
            "I will be handling your case personally, sir.",
            "I'll keep hold of this one myself",
            "consider it handled, I'm on it personally",
            "I'm keeping this case with me until it's resolved.",
        ],
        [
            "I'll stay on the line while it goes through.",
            "I'll send you the form myself.",
            "I'll keep you posted.",
            "Our billing team will be the ones handling your case.",
            "that's our responsibility, not yours.",
        ],
    ),
    "blaming": (
        [
            "that'll be because you didn't register it with the manufacturer.",
            "I understand madam, but you yourself shared the OTP.",
            "the damage in your photo looks like misuse.",
            "The assessor's report says the damage built up over time.",
            "the driver's photos show it was left in your porch",
            "you should have gotten a referral from your doctor before you started",
            "u needed to get approval first",
            "it's because you never renewed it",
            "the tracking shows you signed for it",
            "you were the one who cancelled it",
            "if u had read the sms u would know",
        ],
        [
            "have you checked the cables are all in?",
            "that's not what you should have to deal with.",
            "you should have got a text from us, I'm sorry you didn't.",
            "since you didn't get the email, I'll resend it now.",
            "the engineer's report shows a fault on our line.",
            "has it been dropped at all?",
            "did you share the OTP with anyone?",
        ],
    ),
    "policy_language": (
        [
            "Billing disputes have to be submitted through the patient portal.",
            "it's all on the website under returns",
            "Our billing system estimates when no readings are received.",
            "our return window is 30 days.",
            "the second year only applies if you register",
            "the fare is non-refundable.",
            "as per RBI norms we cannot reverse it",
            "I don't have access to change that.",
            "we're not able to make changes once it's dispatched",
            "sorry mate, rules is rules",
            "it's past the 30 day return period",
            "the fee is mandatory",
        ],
        [
            "you selected the nonrefundable fare when you booked, so let me see what I can do.",
            "590 reversed, it will reflect as per RBI norms within 7 days.",
            "I don't have access to billing, I'll transfer you to our billing specialists.",
            "you're still within our 30 day return window, so I can refund it.",
            "our policy allows me to waive the fee when you move out of coverage.",
            "per our policy I can refund you in full today",
        ],
    ),
    "compensation_offered": (
        [
            "I'm waiving your $500 deductible for the delay.",
            "I'll add £30 credit for the missed appointments.",
            "i can do a hundred dollar credit for the days you lost",
            "i'll refund the forty pound delivery charge because of today",
            "I'll waive your excess this time.",
            "we'll put ₹500 on your account for the trouble",
        ],
        [
            "our policy allows me to waive the early termination fee when you move somewhere we don't cover.",
            "the policy lets me refund the delivery charge as well as the sofa.",
            "I can put you on that with a hotel voucher for tonight.",
            "we'll give you meal vouchers while you wait.",
            "I'll refund the $45 we took in error.",
            "we'll reimburse the taxi.",
            "I'll cover the cost of your hotel tonight.",
        ],
    ),
    "handoff": (
        [
            "I'll get our complaints team to call you back.",
            "I'm transferring you now.",
            "I am transferring the chat to the relocation team.",
            "let me transfer your query to billing",
            "you can report it to action fraud.",
            "kindly report this to the cyber cell.",
        ],
        [
            "I'm opening an investigation into the transfer.",
            "Our surveyor will call you by tomorrow evening, and you can call me directly with the claim id.",
            "the bank transfer went through this morning.",
            "I'll report it to our fraud team myself and call you back.",
        ],
    ),
    "empathized": (
        [
            "I'm sorry, that must be scary, with rent on the line",
            "that is very tiring, being stuck there since morning.",
            "emptying the room twice for nothing would drive me mad.",
            "five weeks for a two week job, I'd be climbing the walls mate",
            "honestly it shouldn't have taken three calls.",
            "that's not what you should have to deal with.",
            "that sounds draining",
            "you've every right to be upset",
        ],
        [
            "sorry, the line is really bad, can you say that again?",
            "I'll stay on the line.",
            "I'd be happy to help with that.",
            "you should have it by Friday.",
            # an apology with its reason is an apology, not empathy
            "sorry, that should never have happened",
            "I apologise, you shouldn't have had to chase us.",
        ],
    ),
    "thanked": (
        ["thx for your patience", "ty for holding, found it", "Thankyou for bearing with us."],
        ["thx for the number", "ty, got the account"],
    ),
    "followup_promised": (
        ["I'll come back to you within 2 days of them arriving.",
         "so I'll check with you tomorrow that the SIM has arrived",
         "I'll be your contact from here and check in Monday on the repair.",
         "we will reach out to you once the engineer has been", "I'll drop you an email tomorrow with an update",
         "i will call u back tmrw"],
        ["you can check in at the desk from 6am.", "you'll get an automatic confirmation email.",
         "I'll check the system now.", "I'll email you the form now."],
    ),
    "apologized": (
        ["sorry, that's on us.", "so sorry about that mate"],
        ["I can book a redelivery on Saturday. sorry, it's the only slot.", "sorry but there's nothing earlier than Friday",
         "sorry, could you spell that?"],
    ),
    "empathy_negated": (
        ["Understood, but you must have subscribed by clicking the link.", "noted, however the fee stands.",
         "of course madam, but the charge is correct."],
        ["Understood, thanks.", "noted, I'll add that to the case.", "so it arrived late but the fee was still charged, is that right?"],
    ),
}

# A fourth probe set, written from the rubric for the flags that stay weakest on holdout (its calls were not read).
ROUND8_MORE = {
    "policy_language": (
        ["we're bound by the contract you signed", "it's a regulatory requirement, I can't skip it", "price rises are written into the agreement",
         "ya u can do it urself on the portal", "we don't accept returns on opened items", "the offer was only valid until the 31st",
         "unfortunately I have no control over that", "we have to follow the regulator's rules on this",
         # speech-to-text without punctuation or apostrophes
         "you'd have to do that on the app", "im afraid thats our policy", "thats outside the thirty day window"],
        ["you're entitled to a refund under our terms, so I'll do that now", "I'll submit the form for you so you don't have to",
         "let me check what the terms say", "the website had the wrong price, that's our mistake"],
    ),
    "blaming": (
        ["you must not have read the confirmation", "you've missed the payment three times",
         "the photos you sent show water damage, so that's not covered"],
        ["you should have it by Friday", "we should have warned you", "it's not something you could have known",
         "you were told it was fixed, and it wasn't, I'm sorry"],
    ),
    "compensation_offered": (
        ["you'll get a 50 dollar credit for the outage day", "I can knock a tenner off your next bill"],
        ["the refund for the cancelled flight is on its way", "I'll cancel the wrong direct debit"],
    ),
    "asked_desired_outcome": (
        ["how do you want this sorted", "how would you want us to make this right", "whats the ideal outcome for you",
         "so whats the outcome youre hoping for here"],
        ["how would you like to receive the refund, card or bank transfer?", "what's the best time to call you back?"],
    ),
    "took_ownership": (
        ["you won't have to chase this, i will", "i'll see this through to the end", "um im gonna take this on personally"],
        ["our team will take care of it", "I'll take your details"],
    ),
    "verified_understanding": (
        ["Let me make sure I have this right: your bill rose by £40 this month and there was no notice. Correct?"],
        ["just to confirm, your email is sam at mail dot com?"],
    ),
    "empathized": (
        ["i'd feel exactly the same in your shoes", "that's a really rough deal"],
        ["i see what you mean about the date", "right, bear with me"],
    ),
    "handoff": (
        ["please email our complaints department directly", "your query has been assigned to our technical team and they'll call you"],
        ["I'll speak to the team myself and ring you back", "I'll transfer the money back today",
         "our engineer will visit on Tuesday and I'll call you after"],
    ),
}

_PLAN = (A("I'll refund the fee today and add a ten pound credit. Does that work for you?"), C("yes please"))
ROUND8_CASES = {
    # summarized: the closing recap opened with "so", "done, so", "to confirm:", "all sorted,", ASR "so that's ... and ..."
    "r8_summary_right_so": (_call(*_PLAN, A("right, so the fee back today and the credit on your next bill. thanks for your patience.")),
                            "summarized", True),
    "r8_summary_done_so": (_call(*_PLAN, A("Done, so £23.40 back in 3-5 days, nothing for you to return.")), "summarized", True),
    "r8_summary_to_confirm": (_call(*_PLAN, A("To confirm: fee refunded today, £10 credit on the next bill, and we'll write to you.")),
                              "summarized", True),
    "r8_summary_all_sorted_and": (_call(*_PLAN, A("All sorted, you should get the money by Friday and the credit shows on your bill.")),
                                  "summarized", True),
    "r8_summary_asr_so_thats": (_call(*_PLAN, A("ill ring you tomorrow so thats the fee back today ten pounds off next bill and a call from me tomorrow thanks for bearing with us")),
                                "summarized", True),
    "r8_summary_lovely_so_colon": (_call(*_PLAN, A("Lovely, so: refund in 3-5 days, credit on the next bill."), C("thanks")),
                                   "summarized", True),
    "r8_summary_done_colon": (_call(*_PLAN, A("Done: 25% refunded within 5 days, nothing to send back.")), "summarized", True),
    # hard negatives: the plan restated to ask for agreement; a follow-up promise after "done"; "so that's why"
    "r8_no_summary_plan_question": (_call(A("I'll refund the fee."), C("ok"), A("so the fee back today and a credit on the next bill, does that work?"),
                                          C("yes")), "summarized", False),
    "r8_no_summary_done_then_promise": (_call(*_PLAN, A("Done. I'm going to keep your case myself and I'll message you tomorrow to check it and see how it's going.")),
                                        "summarized", False),
    "r8_no_summary_offer_you_can": (_call(*_PLAN, A("okay, so you can cancel the contract and leave with no fee.")), "summarized", False),
    "r8_no_summary_choices": (_call(*_PLAN, A("so you've got two choices: I can refund it, or I can send a new one.")), "summarized", False),
    "r8_no_summary_so_thats_why": (_call(*_PLAN, A("the address was misspelled, so that's why the bills never came, sorry.")), "summarized", False),
    # agreement_obtained: the plan with a tag question, "is it ok?", "is that all good?", "want me to set that up?", "Sound fair?"
    "r8_agree_tag_ok": (_call(A("Great, two months free from next invoice, ok?"), C("ok yes")), "agreement_obtained", True),
    "r8_agree_is_it_ok": (_call(A("I will send a new router tomorrow free of cost. is it ok?"), C("ok yes fine")), "agreement_obtained", True),
    "r8_agree_all_good": (_call(A("Done, is that all good?"), C("yes")), "agreement_obtained", True),
    "r8_agree_want_me_to": (_call(A("I can cancel it at no charge. Want me to set that up?"), C("yes please")), "agreement_obtained", True),
    "r8_agree_put_through": (_call(A("I'll refund the forty pounds today. Can I put that through for you?"), C("please do")),
                             "agreement_obtained", True),
    "r8_agree_very_happy": (_call(A("I'll refund the forty pounds today. Are you happy with that?"), C("very happy, thanks")),
                            "agreement_obtained", True),
    "r8_agree_thatd_be_grand": (_call(A("I'll refund the forty pounds today. Does that work for you?"), C("that'd be grand")),
                                "agreement_obtained", True),
    "r8_agree_ok_sure": (_call(A("I'll refund the forty pounds today. Does that work for you?"), C("ok sure")), "agreement_obtained", True),
    "r8_no_agree_i_guess": (_call(A("I'll refund the forty pounds today. Does that work for you?"), C("hmm i guess")), "agreement_obtained", False),
    "r8_agree_sound_fair": (_call(A("I'll reimburse the taxi and add 5,000 points. Sound fair?"), C("sounds fair")), "agreement_obtained", True),
    # hard negatives: a restatement checked with "yeah?" is verification, a bare "okay" is no acceptance
    "r8_no_agree_restatement_yeah": (_call(A("so the bill went up by forty pounds and nobody told you, yeah?"), C("yep")),
                                     "agreement_obtained", False),
    "r8_no_agree_bare_okay_tag": (_call(A("I'll refund it today, ok?"), C("okay")), "agreement_obtained", False),
    # verified_understanding: the check in fewer or other words
    "r8_verify_that_right": (_call(A("So your bill's gone up forty pounds this month and nobody told you why. That right?"), C("yes")),
                             "verified_understanding", True),
    "r8_verify_got_all_that": (_call(A("so the bill went up by forty pounds and no one explained it. have i got all that?"), C("yes")),
                               "verified_understanding", True),
    "r8_verify_gist": (_call(A("so there's a forty pound rise on your bill that nobody warned you about. Is that the gist?"), C("yes")),
                       "verified_understanding", True),
    "r8_no_verify_number_read_back": (_call(A("so that's 4 4 1 2 5 5, that right?"), C("yes")), "verified_understanding", False),
    # let_vent: an account-number question after the customer has finished is the agent's response, not an interruption
    # an overlapping "right okay" interrupts (it starts before the customer's turn ends); a sum of money is a word of the
    # account, so the terse chat opening "My bill is $780 for one month" starts it and the account-number question cuts in
    "r8_overlapping_right_okay_interrupts": (_call(GREETING, ("customer", "so i upgraded my phone last week and the lad said no fee and now", 3.0, 12.0),
                                                   ("agent", "right okay", 11.0, 11.8),
                                                   ("customer", "now my bill's got a sixty pound fee on it", 12.5, 16.0),
                                                   A("I'm sorry about that."), opening=False), "let_vent", False),
    "r8_amount_starts_the_opening": (_call(C("My bill is $780 for one month"), A("Do you have the account number?"),
                                           C("55-01928. It's a one bedroom apartment, I've never had a bill over $120"),
                                           A("I'm sorry about that."), opening=False), "let_vent", False),
    "r8_question_after_complaint_is_response": (_call(A("sorry, could you repeat your mobile number for me?"), C("07911 223 304"),
                                                      A("thanks, I can see the charge")), "let_vent", True),
}

ROUND8_COUNTS = {
    # options_offered: a plan over months, an invoice on hold, the trial reopened, goods sent again, a free upgrade, a waived
    # excess; a cancellation with its fee waived counts once; a refund issued before the call and a bag on a flight are no options
    "r8_plan_and_hold": ("I can set up a 6 month plan at around £63 a month, and I'll pause any collection activity for 3 months.", 2),
    "r8_invoice_on_hold_and_split": ("I'll put the invoice on hold today, and we can split the $150 into 3 payments.", 2),
    "r8_trial_reopened": ("I can reopen the trial for 5 more days from today.", 1),
    "r8_reship_parts": ("I can send the hinge pack by next-day courier today.", 1),
    "r8_no_reship_email": ("I can send the confirmation email today.", 0),
    "r8_credit_upgrade_leave": ("I can do a hundred dollar credit for the days you lost, or bump you up to the faster plan free for three months. "
                                "And if you'd rather go, you can leave with no break fee.", 3),
    "r8_reimburse_and_waive_excess": ("I'll reimburse the hire car in full, and I'll waive your excess this time.", 2),
    "r8_cancel_fee_waived_once": ("Our policy allows me to waive the early termination fee. I can cancel it from your moving date at no charge.", 1),
    "r8_refund_already_issued": (["Yes, we received it on the ninth and the refund was issued on the eleventh.",
                                  "C:okay", "you'll receive your refund in five to seven days from when it was issued."], 0),
    "r8_bag_on_flight_no_rebook": ("your bag's on the first flight tomorrow, and we'll reimburse what you buy meanwhile.", 1),
    "r8_emi_loan_is_no_plan": (["So an EMI bounce charge of 590 was debited, correct?", "C:yes",
                                "I will reverse the 590 today, and I can move your EMI date to the 5th after your salary credit."], 2),
    "r8_plan_pause_and_hardship_grant": ("I can set up a payment plan at whatever you can afford, or pause payments for 3 months, "
                                         "and I can apply a £150 hardship grant to the balance.", 3),
    "r8_keep_it_with_part_refund": ("We can send a replacement, refund you in full, or you keep it and we refund 25% of the price.", 3),
    "r8_keep_the_receipt_is_no_option": ("keep the receipt and we'll refund you in full once it's back.", 1),
    "r8_free_upgrade_counted_once": ("I can give three months free upgrade to 200 Mbps, or one month bill waived.", 2),
    "r8_waived_renewal_possessive": ("I'll reimburse the $260, and I'll waive next year's roadside renewal as a goodwill gesture.", 2),
    "r8_charge_removed_by_pronoun": ("I see a duplicate charge for the physician; I'll remove it, which brings you to $150. "
                                     "I can also split the $150 into 3 payments if that helps.", 2),
    "r8_fee_refund_restated_once": (["I can refund this month's fee for your team, or add an extra month free at renewal.", "C:the refund",
                                     "Done, this month's fee is refunded, 3-5 days."], 2),
    "r8_first_drop_redelivery": ("i can get it on the first drop tomorrow, seven till nine, and i'll refund the forty pound delivery charge because of today", 2),
    "r8_mortgage_payment_moved": ("if it helps i can move your mortgage payment to the day after payday.", 1),
    "r8_list_ending_in_a_voucher": ("you can have a refund, a replacement, or a £20 voucher.", 3),
    "r8_credit_or_cheque": ("I can either credit your account or post you a cheque.", 2),
    "r8_waiver_or_leave_without_exit_fee": ("I can waive the late fee, or you can leave without paying the exit fee.", 2),
    "r8_waiver_or_credit_for_trouble": ("I can waive the late fee completely, or I can put a £20 credit on your account for the trouble.", 2),
    "r8_gesture_waiver_counted_once": ("I will send a new router tomorrow free of cost and waive one month bill for the trouble.", 2),
}

# Round 9 (#17): each class of holdout3's misses, with phrasings written from the rubric before holdout3's wording was read
# (then a few of holdout3's own shapes), across registers: US, UK, Indian, Australian, South African English, formal and
# informal, chat shorthand, ASR lower case without punctuation. Positives, then the hard negatives of the same class.
ROUND9_PHRASINGS = {
    # empathy wordings: the feeling named in any frame (understood, put to the customer, the agent's own reaction, validated);
    # not a bare acknowledgement, "concern" or "urgency", an interjection opening a restatement, or a worry to clear up
    'empathized': (
        ['oh no thats the last thing you need you must be so annoyed', 'man that would annoy me too honestly',
         'yeah i can imagine how stressful thats been for you',
         'i can understand your worry for your mother sir', 'eish, that must have been so stressful for you',
         "that'd drive me up the wall too mate", 'ugh that sucks, totally get why ur annoyed',
         'i can only imagine how anxious you must be', 'you must be absolutely worn out chasing this',
         'I do appreciate how frustrating this has been for you', 'that would give anyone a fright',
         "i know how disappointing this must be ma'am", 'your frustration is completely understandable',
         "that's gotta be so frustrating", "I'd be pretty ticked off too", 'your frustration makes total sense',
         "it's completely fair that you're annoyed", "I get why you're upset",
         'I know this has been a really stressful week for you', 'I hear how upset you are', "that's a right pain",
         'that sounds like a proper nightmare', 'you must be sick of it by now',
         "I can appreciate how stressful that's been", 'I appreciate how frustrating this is',
         'I can feel your frustration', 'I understand your pain sir', "I completely understand your feelings ma'am",
         "that's a shocker mate", "that'd do my head in too", "ag shame, that's really not nice",
         "eish, that's terrible", 'omg that sounds so annoying 😩', "ugh that's the worst", 'totally get why ur upset',
         'that sucks', 'i can understand how upsetting that is', 'that must have been really worrying for you',
         'your frustration is completely valid', "it's natural to feel let down", "you're right to be annoyed",
         "I'd be just as frustrated", "I'd be equally upset in your position", "I'd be really disappointed too",
         'I can tell this has really upset you', 'you sound really worried', "it makes sense that you're angry",
         'I realise how stressful this has been', 'I recognise this has caused you a lot of worry',
         'I can understand your disappointment', 'i know how disappointing this is',
         "you've clearly been through a lot with this",
         "I'm sorry you've had to go through all that, it sounds exhausting", "no wonder you're fed up",
         "that's not good enough and you're right to be cross", "I'd be livid", 'i get how annoying it is',
         "that's incredibly frustrating, I get it", 'what a horrible experience for you',
         'i can imagine that was very distressing', 'I appreciate this has been really upsetting for you',
         "it's understandable that you're frustrated", 'i really feel for you', 'I totally feel for you there',
         'my heart goes out to you',],
        ['right okay so whats the account number', 'yeah i understand let me have a look',
         'i understand sir, kindly share the account number', 'ugh, so the charge came back again?',
         "if you're worried about the cost, I can spread it", "no need to worry, it's all sorted",
         'i appreciate your patience', 'I understand your concern, let me check', "that's a mess on our end, sorry",
         'I understand.', 'I see what you mean.', 'I get it, let me look.', 'I appreciate your patience.',
         'I understand the bill is higher this month.', "I'm sorry to hear that.", 'that makes sense, let me check.',
         'no worries.', "fair enough, what's the account number?", 'I understand your concern.', 'I hear you.',
         'I hope you feel better soon.', 'I can see the charge on the account.',
         'i understand sir, one moment please', 'noted, I understand the issue', 'I get what happened now',],
    ),
    # apology-like phrases that are not apologies: a softened refusal, the line, the agent's own slip or wait, the customer
    # leaving or unwell, an ASR self-correction, a reply delay, the agent's interruption
    'apologized': (
        ['yeah im really sorry about that we messed up there', 'soz for the mix up 🙏',
         'soz about that!!', 'we regret the inconvenience caused to you sir', 'sry abt the mix up',
         'i do apologise for the trouble this has caused', 'so sorry this happened to you', 'soz about that',
         'we regret the delay', 'my sincere apologies for the mix-up', 'I apologise on behalf of the company',
         "I'm really sorry this happened", "sorry, that's on us", "apologies, that's our mistake",
         "I'm so sorry you've been put through this", "that should never have happened, I'm sorry",
         'really sorry for the trouble', 'sorry for messing you around', 'pls accept our apologies', 'sry about that',
         'so sorry abt the delay in ur refund', 'sorry about the mix up with your order', 'i do apologise for that',
         "i'm sorry we let you down", 'sorry for any confusion this caused',],
        ['im sorry but thats the policy i cant change it', 'sorry you cut out there say again',
         'it was the twelfth sorry the thirteenth',
         'sorry sir, line is not clear, can you repeat', "sorry, you're breaking up a bit",
         "sorry, i didn't catch the last bit", "my apologies, I typed the wrong date, it's the 15th",
         'sorry, just bear with me while it loads', "I'm sorry, but our policy needs 24 hours' notice",
         "sorry to see you go ma'am", "we'll be sorry to lose you", 'ah sorry to hear about the knee',
         'on the fifth sorry the sixth of june', 'no need to apologise at all', 'apologies for the late reply',
         'sorry to interrupt, can i take your postcode', 'sorry to see you go', "I'm sorry for your loss",
         "sorry, I didn't catch that", 'sorry, you broke up there', 'sorry, say that again?', 'sorry?',
         "sorry, the line's bad", 'sorry, one moment', 'sorry, I misspoke, I meant Tuesday',
         'sorry, typo, I meant the 14th', 'sorry, just bear with me', "sorry, I'm just pulling it up",
         'sorry to interrupt, can I get your postcode', 'sorry to keep you waiting', 'sorry about the hold',
         'apologies for the delay in replying', 'sorry, my system is slow today',
         "I'm sorry, but we can't refund that", "sorry but that's our policy", 'no need to apologise',
         "don't be sorry", 'sorry to bother you, but can I ask your date of birth', 'sorry, who am I speaking to?',
         "I'm sorry if you feel we've let you down", 'sorry, just to confirm your date of birth?',
         'sorry, what was the reference again?', 'it was the fifth sorry the sixth', 'sorry mate, you cut out',
         'sorry for the slow response', "sorry, I'll need to put you on hold",
         "sorry, I'm going to have to transfer you", "sorry to hear you've been unwell", 'sorry, can you spell that?',
         'sorry for the delay in getting back to you', 'pardon, sorry, what was that',
         'oh sorry, wrong account, one sec',],
    ),
    # blame as correction of the customer: a record, a signature or a tick, what they would have been told, no record of it;
    # not the same record read in their favour, nor credit given to them
    'blaming': (
        [
         'the holiday pay settings are configured by the customer during setup', 'well it was booked from your account, so somebody in your house booked it',
         'that change was requested by the account holder', 'someone in your household authorised the payment',
         'i hear ya but the contract shows you ticked the box so the excess applies',
         'well you did agree to the terms when you booked',
         'i hear ya but the contract shows you ticked the box declining the waiver',
         'our records show we called you on Tuesday', "the officer's photos show no permit on the dashboard",
         'you signed the inventory at delivery saying no damage', "you would've been told at sign-up",
         "you'd have to have sent in the change of bank form",
         "there's no record of a submission before 2pm on our side",
         'the consent form you signed covers a scale and polish', 'sir you gave us the wrong account number',
         'the address you gave us was incorrect',
         'actually the charge is correct, you signed up for the premium plan',
         'no, the order was delivered on the 3rd', "that's incorrect, we did send the letter",
         'actually you were informed at checkout', 'the records show you cancelled it yourself',
         'well you did agree to the terms', 'no, you booked the wrong date',
         'with respect, the fee was explained to you', 'we have no record of you calling',
         'the driver left it at your door as per your instructions', 'the problem is on your side',
         "you're the one who cancelled", "it's there in black and white", 'that was your choice',
         'you chose the non-refundable fare', 'you gave us the wrong address', 'the address you gave us was wrong',
         "that's simply not the case", "that isn't true", 'the meter reading you submitted was wrong',
         'it was sent to the email you provided', 'you paid late', "it's the customer's responsibility to check",
         "it's up to you to check the booking", "you'd have been aware of the fee",
         "that's not what our records show", 'our records show you never paid', "i don't think that's accurate",
         'u entered the wrong card number thats why', 'you didnt cancel in time so the fee applies',
         'you left it too late', 'you were late with the payment',
         "the item was damaged because it wasn't packed properly on your end",],
        ['the booking was made by our agent in error', 'someone from our team will call you', "it was booked from your account, and that's fine",
         'our records show we never sent the letter thats our mistake',
         'our records show the payment arrived on the 3rd, so the fee was our mistake',
         "thanks for reporting it, you're the one who helped us spot it", "the system shows it's still in processing",
         "our notes show we never sent the letter, that's on us",
         'so you were told it would be fixed by friday, is that right?', 'you should receive it by friday',
         'did you get a chance to check the email?', 'you should receive it by Friday', 'we should have told you',
         'you did everything right', 'the records show we made a mistake',
         'our records show the payment arrived on the 3rd, so the fee is wrong',
         "that's not right at all, let me fix it", "the address we had was wrong, that's our error",
         "it's not your fault", 'are you able to check the email?', "you're right, that shouldn't have happened",
         'that was our choice, not yours', "you didn't do anything wrong", 'the mistake was ours',
         'it was delivered to the wrong address by our driver', 'you paid on time, so the late fee was wrong',
         'we have a record of your call, thanks',],
    ),
    # compensation as a goodwill credit, a one-off waiver or a refund of a fee on top; not a refund owed, a refusal, a booking voucher
    'compensation_offered': (
        ['ill waive the fee this once given the circumstances', 'im adding two free months for the hassle',
         "given the circumstances I'll waive it this once",
         "i've put a fifty pound credit on your account for the mess and the day off",
         "I'll courier the tablets today and I'll refund the whole order as well",
         "I'm adding two free boxes when you're ready", 'i can give you three months of the premium tier free',
         "i'm waiving this month's subscription",
         "we'll pay you a hundred and fifty pounds for the months you've lived with it",
         'a complimentary breakfast voucher for the trouble', "as a courtesy I'll refund the late fee",
         "i'll knock the first month's bill off", "I'll pop a £15 credit on for your trouble",
         "I'll waive this month's service charge as an apology", "I've refunded your delivery fee as well",
         "I'll add 500 bonus points to your account", "we'll give you the next month at no charge",
         "I'll comp the room for tonight", "I'll take 20% off your next order",
         "I'll credit you a month's fee for the hassle", 'I can give you a £25 gift card',
         'let me put a thank-you credit on your account', "I've arranged a payment of £50 for the inconvenience",
         'I can offer you 2,000 rewards points', "I'll waive the annual fee", "I've applied a one-off credit of $40",
         "I'll refund the late fee as a courtesy", "as a courtesy I'll reverse the charge",
         "I'll cover your next month's subscription", 'free delivery on your next three orders',
         "I'll knock 10 percent off", "I'll throw in a month of premium for free",
         'i can waive the service fee this time', "as a gesture I'll refund the booking fee",],
        ['ill refund the wrong charge today',
         "compensation isn't payable under our conditions", 'the new voucher is in your email',
         'our terms let me waive the cancellation fee on medical grounds', "I'll refund the postage in full",
         "i'll send a free replacement tomorrow", 'a hotel voucher for tonight', "I'll refund the overcharge",
         "I'll reverse the duplicate charge", "I'll reimburse the taxi",
         "we'll fix the meter reading and your bill will come down", 'your refund will be in 3 to 5 days',
         "we can't offer compensation", 'you can claim compensation through the form',
         "I'll credit back the wrong charge", "I'll refund you as store credit", 'pay by credit card',
         "I'll take the wrong late fee off since you paid on time",],
    ),
    # the customer sent on: the matter belongs to another party, they must take it up with them, another team answers instead
    'handoff': (
        [
         "it's the operator's process, you'd need to chase them", "you'll have to contact them directly",
         'u need to call them directly',
         'youd need to take that up with the landlord directly', 'ill raise it to my supervisor and they will call you tomorrow',
         "that's with the club manager, I'll send them your details",
         "you'd need to take up the storage fees with the tow company directly",
         'i will raise it to my supervisor, they will call you within 48 hours',
         'the damage claim goes to their claims team', "you'd file a claim with our risk management department",
         'you can raise a dispute with the RTB', 'our compliance team will review it and reply within 48 hours',
         "your homeowner's insurer handles that claim", 'kindly contact your card issuer',
         "i've escalated it to engineering who will email you", "you'll need to speak to the lender",
         'our specialist team will take over from here', 'please reach out to the airline',
         "I'll get a senior colleague to give you a ring", 'let me connect you with a specialist',
         "you'll have to take it up with the courier", "that needs to go to our complaints team, they'll be in touch",
         "I'm passing this over to our escalations team", 'someone from the claims department will reach out',
         "I'll have the store manager call you", 'please contact your card issuer', 'contact the hotel directly',
         'you need to call the number on the back of your card', "I'd suggest you call your GP",
         'a member of our resolutions team will be in touch within 48 hours', 'our tier 2 support will pick this up',
         "I've logged it with our engineering team who will email you",
         "i'll escalate this to my supervisor and she'll call you back",
         'your best bet is to contact the manufacturer',
         "the warranty is with the manufacturer, so you'd deal with them",],
        ["you won't need to chase them, I'll do it", "I'll contact them directly for you",
         'ill chase the landlord myself and ring you back',
         "i'll raise a dispute with the billing team myself and call you back",
         "it's with the network team as a cabinet fault", 'no need to transfer, i can do it here',
         "I'll chase the courier on your behalf", "that's down to the courier",
         "I'll check with my supervisor and come back to you", "I've spoken to the team and they've approved it",
         "I'll transfer the funds today", "I'll chase the courier for you", 'the engineer will come Tuesday',
         "the team is looking into it and I'll update you", "no need to call anyone else, I'll handle it",],
    ),
    # the rule named with its owner, the process or the system as the reason, self-service "online", the matter put outside
    # the company, a missed time limit, an exclusion; not a rule cited to grant or to say when money lands, nor blame or a transfer
    'policy_language': (
        [
         'you can rebook for another day online', "you'll need to update your details online",
         "i'd keep an eye on our service status page", "it's a separate company, so we can't do anything about the install",
         "it's the network operator's process, not ours", "i'm afraid we can't control that",
         "I can't see uncleared cheques from here", "it wasn't used within thirty days so it lapsed",
         'it says in the setup guide that you need to check them',
         'any related condition is excluded under the policy terms', 'sir that is excluded as per the terms',
         'its a third party provider so we cant help with that',
         'as per the rental terms the fee applies', 'the system only gives me next week',
         'per the cruise contract the line may reassign cabins',
         'as per RBI guidelines nothing can be done before that', 'our process requires the sender to open a claim',
         'the next slot the system gives me is three weeks out',
         'claims have to be filed within nine days per the bill of lading', "your plan doesn't cover that",
         "unfortunately that's outside our returns window", "the rules don't allow me to do that",
         "I'm afraid the system won't let me", "that's just how the billing cycle works", "it's company policy",
         'you can do that through the app', "you'll find the form on our website", "there's nothing more I can do",
         'per the terms you agreed, the fee applies', "we're not permitted to do that",
         "the fare conditions don't allow changes", "that's not covered under your plan",
         "our guidelines say we can't", "that's the standard process", "I don't have the authority to do that",
         "you'd have to submit a request online", "your plan doesn't include that",],
        [
         'you should have rearranged it online', "no, it's a different department, I'll transfer you",
         "these things do happen, I'm so sorry", 'you can see the refund online once it lands',
         "you're covered under your policy for this", "we can control that from here, I'll fix it",
         'our terms let me waive it for you',
         "you're due 250 euros under the delay regulations", 'it will reflect as per RBI norms within 7 days',
         'our terms let me waive the fee on medical grounds', "under your policy you're covered for this",
         'our policy lets me refund you', "what's your policy number?",
         "I'll check the terms for you and since you're within 30 days I can refund",],
    ),
    # the check after a full stop or as a tag ("... Correct?", "... correct sir", "Have I understood that properly?"), a
    # restatement opened by an interjection, a narrative subject, "there's" or a past "we"; not a detail read back with a
    # tag, a plan put with "is that it?", or a lone "Right?"
    'verified_understanding': (
        [
         'Thank you. So your bill went up by forty pounds this month and nobody told you. Correct?',
         'so your bill has gone up forty pounds without any notice correct sir',
         'okay so the bill jumped by forty pounds and nobody warned you is that it',
         "So the bill's risen by forty pounds with no letter. Have I understood that properly?",
         'Ugh, so your bill went up by forty pounds again and nobody told you?',
         'So someone changed your tariff and the bill went up forty pounds without a word?',
         "so there's a forty pound rise on the bill, but nothing in your letters about it?",
         "if I've got it right, your bill rose forty pounds this month and no one explained it?",
         'can I just check I have this right, the bill went up forty pounds and there was no notice?',
         "so the bill's up by forty pounds this month and nobody said why, have I got that?",
        ],
        [
         "so that's 4 4 1 2 5 5, correct?", 'your email is sam at mail dot com, correct sir',
         "okay, so I'll refund the forty pounds today, is that it?", "so there's nothing else I can help with?",
         'Thank you. Right?', 'so we can refund it today or send a credit, which would you prefer?',
        ],
    ),
    # thanks for calling straight away is thanks for raising it; thanks for an ID, a ref or a rego is thanks for a detail
    'thanked': (
        [
         'thanks for calling us straight away', 'thank you for ringing us before paying it',
         'thanks for getting in touch so promptly',
        ],
        [
         'thanks for the workspace ID', 'hi Priya, thanks for the booking ref', 'thanks for the rego',
         'thank you for the policy number',
        ],
    ),
}

ROUND9_CASES = {
    # a record read out in a turn that owns the fault is no blame; what the customer was told, restated and checked, is no hand-off
    "r9_record_then_admission_no_blame": (_call(A("Our records show the payment reached us on the 3rd. That's our mistake, I'll remove the fee.")),
                                          "blaming", False),
    "r9_record_contradicts_blame": (_call(A("I get it, but our records show we called you on Tuesday to reschedule."), C("nobody called")),
                                    "blaming", True),
    "r9_restated_referral_no_handoff": (_call(A("So every time you chase you're told it's with the valuations team. Is that right?"), C("yes")),
                                        "handoff", False),
    # a "sorry" softening a refusal is no apology, and the apology after it still counts
    "r9_sorry_but_refusal_then_apology": (_call(A("I'm sorry, but the fee stands."), C("that's ridiculous"),
                                                A("You're right, I'm really sorry about this, I'll take it off.")), "apologized", True),
    "r9_sorry_but_refusal_only": (_call(A("I'm sorry, but the fee stands."), C("that's ridiculous")), "apologized", False),
    # the first counting apology is the one after the line trouble
    "r9_first_apology_after_line_sorry": (_call(A("sorry, you're breaking up, say again?"), C("the fee"), A("ah, I'm so sorry about that fee.")),
                                          "apologized", True),
}


# Round 9 (#17): the options count, class by class (holdout3 counted too few, in most misses): remedies in words the groups
# did not hold, and what counted too many. Steps of one plan stay one remedy.
ROUND9_COUNTS = {
    # an amount in words; a remedy as a question or a running action; a partial release; a pro-rata credit
    "r9_removed_amount_in_words": ("right, I've removed the twelve pounds and the block is off.", 1),
    "r9_waive_amount_in_words": ("it's a fair point, i'll waive the forty dollars this time.", 1),
    "r9_refund_as_question": ("Want me to refund the $15.99 and close the account properly?", 1),
    "r9_refunding_now_chat": ("soz about that, refunding those 5 items now, £23.60", 1),
    "r9_release_part_of_deposit": ("I can release eighty percent of the deposit now.", 1),
    "r9_prorata_credit_and_gesture": ("I'll credit you for the eleven days without signal, and give you the sports package free for a month for the trouble.", 2),
    # another room, seat or vehicle; the old price kept; alternatives by day
    "r9_room_or_refund": ("I can give you a room in Block F from Saturday, or I can refund the hostel fee fully.", 2),
    "r9_vehicle_free_or_refund_and_money_off": ("I can put you in a 7-seat SUV at no extra cost, or refund the whole booking, and either way I'm taking $50 off for the wait.", 3),
    "r9_old_price_refund_free_month": ("I can keep you on your old plan at the old price for a year, refund the £340 extra, and add a free month for the disruption.", 3),
    "r9_flights_by_day_or_refund": ("I can get you on Tuesday's direct flight, or Wednesday via Singapore, or refund it in full.", 3),
    # money off the next order; free goods; time to pay; an arrangement; an emergency loan; Delay Repay; a standby phone
    "r9_money_off_next_order": ("Plus £5 off your next order for the hassle.", 1),
    "r9_refund_and_free_boxes": ("I'm refunding this week's box in full and adding two free boxes when you're ready.", 2),
    "r9_extension": ("I can give you an extension: one hundred today and the rest by the twentieth, with no late fee.", 1),
    "r9_hold_and_arrangement": ("I can put the account on hold today, and I can set up an arrangement so you pay the old amount.", 2),
    "r9_deferral_or_loan": ("I can put a 30-day deferral on the balance, or I can set you up with a short-term emergency loan.", 2),
    "r9_delay_repay_and_taxi": ("So that's the £64 taxi reimbursed plus £23.40 Delay Repay.", 2),
    "r9_standby_phone": ("kindly wait for the part, meanwhile i can arrange a standby phone from the service centre", 1),
    # counted too many before: a refusal with "don't"; the refund as a topic; a stop that did not happen; an item removed;
    # the credit restated; a hardship credit; money to collect; an engineer booked as the repair
    "r9_no_plans_in_house": ("That's our policy. We don't do payment plans in-house.", 0),
    "r9_refund_as_topic": ("I can see the refund failed because the bank account is not pre-validated.", 0),
    "r9_refund_terms_blame": ("Ma'am you should have read the refund terms before starting.", 0),
    "r9_didnt_stop_dd_then_refund": ("the cancellation didn't stop the direct debit, that's on us, so i can refund all three payments", 1),
    "r9_remove_seat_refund_charge": ("I'll remove the duplicate seat and refund its charge.", 1),
    "r9_credit_lands_restated": (["I can take 75% of the roaming charges off as a one-off.", "C:ok", "I'll text you when the credit lands."], 1),
    "r9_hardship_credit_once": ("there's a hardship credit of fifty euro i can put on today and i'm adding twenty euro for the hassle", 2),
    "r9_payment_to_collect_once": ("what i can do is arrange an urgent needs payment you can collect at the post office tomorrow", 1),
    "r9_engineer_booked_is_repair": ("I'm booking an engineer to replace the meter valve, the first slot is Tuesday morning.", 0),
    "r9_engineer_slot_offered_is_option": ("You've got a few choices: I can refund the £40 today, or I can book the first slot we have for an engineer.", 2),
    "r9_month_off_and_month_free_once": (["I'll send you a 4G router tomorrow, and I'll knock the first month's bill off.", "C:great",
                                          "so: router tomorrow, first month free."], 2),

    # a replacement said plainly; a cancellation offered now; a charge to be taken off later; a statutory payment and a claim for
    # the customer's losses; an emergency cash withdrawal; a letter for a third party
    "r9_we_can_replace_it": ("yeah it's twenty-two days, so we can replace it. the earliest delivery's Friday", 1),
    "r9_rehem_or_new_dress_and_fee": ("we can order a new dress in your size, and either way I'll refund the alteration fee.", 2),
    "r9_cancel_it_now_and_refund": ("I can cancel it right now for you, no need to transfer. I'll also refund the two months you've been billed.", 2),
    "r9_cancel_it_is_the_fee_once": ("i'll cancel it now and refund the two fees to your card", 1),
    "r9_taken_off_later": ("the two thirty will be taken off once fraud confirm, usually within a week.", 1),
    "r9_statutory_payment_and_food_claim": ("you're entitled to a payment of ninety-five pounds, and I can also take a claim for the food.", 2),
    "r9_emergency_cash": ("You could request an emergency cash withdrawal at any branch with ID.", 1),
    "r9_letter_for_employer": ("I've added 3 months of Pro free. I'm also happy to write a short note confirming the outage for your employer.", 2),
    "r9_refund_policy_grants": ("Our refund policy allows a full refund within 30 days, so I've processed it.", 1),
}


ROUND9_AGREEMENT = {
    # the plan put as "want me to <remedy>?", "would you like me to apply both?", the Irish "will I do that so?", an ASR "is it
    # okay sir" with no question mark; a yes after the customer's pick ("the refund, that works for me")
    "r9_agree_want_me_to_refund": (_call(A("The cancellation didn't stick. Want me to refund the $15.99 and close the account?"), C("yes pls")),
                                   "agreement_obtained", True),
    "r9_agree_apply_both": (_call(A("I can refund the difference and add a $200 credit. Would you like me to apply both?"), C("Yes, please.")),
                            "agreement_obtained", True),
    "r9_agree_will_i_do_that_so": (_call(A("Freeze from today till 1 March, no payments in between. Will I do that so?"), C("yes go on")),
                                   "agreement_obtained", True),
    "r9_agree_asr_is_it_okay_sir": (_call(A("i am refunding the full amount today and giving five gb free data is it okay sir"), C("yes okay madam thank you")),
                                    "agreement_obtained", True),
    "r9_agree_pick_then_works": (_call(A("i can refund the ninety nine or extend the freeze, does that work for you"), C("the refund, that works for me")),
                                 "agreement_obtained", True),
    "r9_no_agree_want_me_to_check": (_call(A("Want me to check the account?"), C("yes")), "agreement_obtained", False),
    "r9_no_agree_works_no_question": (_call(A("I'll refund the ninety nine today."), C("the refund, that works for me")), "agreement_obtained", False),
    "r9_no_agree_is_it_okay_grudging": (_call(A("i am refunding the full amount today is it okay sir"), C("i suppose")), "agreement_obtained", False),
}


ROUND9_SUMMARY = {
    # "nothing else for you to do" closes a recap; "Done." and a goodbye, or one item confirmed after "so yes,", does not
    "r9_summary_nothing_else_for_you": (_call(*_PLAN, A("Done. Both go back to your card within 5 days. Nothing else for you to do.")),
                                        "summarized", True),
    "r9_no_summary_done_then_thanks": (_call(*_PLAN, A("Done. Thanks for letting us know about the knee, mind yourself.")), "summarized", False),
    "r9_no_summary_so_yes_one_item": (_call(*_PLAN, C("so do i get the money back?"), A("Done. So yes, the £49 comes back to you.")),
                                      "summarized", False),
}


ROUND9_HOW = {
    # an acknowledgement negated: with an adverb, by "we", or with a clause before the "but"; a "but" with no acknowledgement
    # before it does not negate
    "r9_negated_certainly": (_call(A("I can certainly understand your disappointment, however per the contract the line may change cabins.")),
                             "empathy_negated", True),
    "r9_negated_we_concern": (_call(A("We understand your concern, but as per our policy the operator can change the hotel.")),
                              "empathy_negated", True),
    "r9_negated_after_a_clause": (_call(A("I hear you, that's a horrible thing to discover, but the settings are configured during setup.")),
                                  "empathy_negated", True),
    "r9_negated_see_what_you_mean": (_call(A("okay, I see what you mean, that's a long wait, but exports take time to set up")),
                                     "empathy_negated", True),
    "r9_not_negated_explanation": (_call(A("The engineer came on Tuesday, but the part was missing, so I've ordered it.")), "empathy_negated", False),
    # a personal commitment with another verb; a later contact in other words
    "r9_owner_see_to_it": (_call(A("I'll see to it myself, and I'll phone you next Friday.")), "took_ownership", True),
    "r9_owner_walk_it_over": (_call(A("I'm going to walk it over to the duty doctor myself now and get it signed.")), "took_ownership", True),
    "r9_no_owner_send_it_myself": (_call(A("I'll send you the form myself.")), "took_ownership", False),
    "r9_followup_findings": (_call(A("I'm opening an investigation and I'll send you the findings personally within 10 days.")),
                             "followup_promised", True),
    "r9_followup_team_reply": (_call(A("Our compliance team will review it and reply within 48 hours.")), "followup_promised", True),
    "r9_no_followup_send_form_now": (_call(A("I'll send you the form now.")), "followup_promised", False),
}


# ROUND 10 probes, written from the rubric before reading holdout4's wording.
_ASK = "I'll refund the forty pounds today and add a ten pound credit."

ROUND10_AGREEMENT = {
    # the plan put for acceptance in other words (the agent's question) ...
    **{f"r10_agree_ask_{i:02d}": (_call(A(f"{_ASK} {q}"), C(a)), "agreement_obtained", True) for i, (q, a) in enumerate([
        ("Are you happy for me to go ahead?", "yes go ahead"),
        ("Would that be acceptable?", "yes, that's acceptable"),
        ("Can I go ahead and do that for you?", "yes please"),
        ("Is that alright with you?", "yeah that's alright"),
        ("Okay to proceed?", "yes proceed"),
        ("Should I proceed?", "yes kindly proceed"),
        ("Would you like to go ahead with that?", "yes let's do that"),
        ("Fair enough?", "fair enough, yes"),
        ("Are we good?", "yeah we're good"),
        ("Can we agree on that?", "agreed"),
        ("Would you be okay with that?", "i would yes"),
        ("does that work for you", "ya that works"),
        ("Is that something you'd like me to do?", "yes please do"),
        ("What do you think?", "that sounds fair to me"),
        ("Can I confirm that for you?", "yes confirm it"),
        ("Shall we go with that?", "let's go with that"),
        ("ok for you?", "ok can"),
        ("Would you like me to action that?", "yes, action it please"),
    ])},
    # ... and the customer's yes in other registers (US, UK, Irish, Australian, South African, Nigerian, Indian, Singaporean, chat)
    **{f"r10_agree_says_{i:02d}": (_call(A(f"{_ASK} Does that work for you?"), C(a)), "agreement_obtained", True) for i, a in enumerate([
        "yeah, go on then", "alright, do that", "sounds like a plan", "deal", "ok lets do that", "cool, go for it",
        "grand so, work away", "too easy mate, yeah", "ja that's fine", "yes oh, please do it", "yes ma'am kindly do the needful",
        "can lah, ok", "yh thats fine", "yes, that'd be brilliant, thank you", "that's perfect thank you", "ok thank you that's fine",
        "uh yeah yeah that's fine", "yes I'm happy with that", "yes that's all I wanted", "I'll take that, thanks",
        "fine, yes, do it", "okay great", "okay perfect thanks", "that'll do", "that's good enough for me",
    ])},
    # hard negatives: back-channel "ok" that is no acceptance, grudging or deferring replies, a yes to a check or to "anything else?"
    **{f"r10_no_agree_{i:02d}": (_call(*lines), "agreement_obtained", False) for i, lines in enumerate([
        (A(f"{_ASK}"), C("okay")),
        (A(f"{_ASK} Does that work for you?"), C("we'll see")),
        (A(f"{_ASK} Does that work for you?"), C("i suppose it'll have to")),
        (A(f"{_ASK} Does that work for you?"), C("not really, no")),
        (A(f"{_ASK} Does that work for you?"), C("fine, whatever")),
        (A(f"{_ASK} Does that work for you?"), C("hmm, i'd rather have the full refund")),
        (A(f"{_ASK} Does that work for you?"), C("ok but what about the other charge?")),
        (A("so your bill went up by forty pounds and nobody told you, is that right?"), C("yes")),
        (A("Is there anything else I can help with?"), C("no that's all")),
        (A("Can I take your account number?"), C("yes it's 4 4 1 2")),
        (A(f"{_ASK}"), C("right okay")),
        (A(f"{_ASK}"), C("ok thanks")),
        (A("i'll refund the forty pounds ok"), C("ok")),
    ])},
}

ROUND10_HANDOFF = {
    **{f"r10_handoff_says_{i:02d}": (_call(A(t), C("ok")), "handoff", True) for i, t in enumerate([
        "I'm going to put you through to our retentions team now.",
        "I'll have to send you over to the claims department for that.",
        "you'll need to speak with our billing team about that one.",
        "I'll escalate this to my supervisor and she'll call you back this afternoon.",
        "our fraud team will take it from here.",
        "transferring you now, please hold.",
        "please hold while I connect you to the mortgages desk",
        "I'll need to refer you to our complaints team.",
        "your case has been moved to the escalations team, they'll contact you within 48 hours.",
        "kindly visit the branch and speak to the manager there.",
        "it's best to contact your bank directly about the chargeback.",
        "let me get my supervisor on the line for you.",
        "i'll pass you to a colleague in the moves team",
        "im gonna transfer u to tech support ok",
        "ill put you through to billing now sir one moment",
        "this needs to go to our specialist team, I'm handing it over and they'll be in touch.",
        "my manager will be taking over your complaint from here.",
        "you'll have to ring the airline, we can't change their flights.",
        "I'll warm transfer you to a specialist who can sort that.",
        "the disputes team handles chargebacks, I'll route your chat to them now.",
        "i'm raising a ticket with the network team and they'll contact you directly",
        "that's for the landlord to sort, you'd need to take it up with the letting agent.",
        # round 10, the classes of holdout4's misses in other words: another party named any way, a place to go with what to
        # bring, the matter said to be another party's, a formal route with another body, another team taking the case
        "please log the fault with your line provider directly.",
        "you contact your dealer directly sir",
        "kindly visit the nearest service centre with the invoice",
        "go to your branch with your ID and they will sort it out",
        "repairs are handled by the building contractor, please contact them.",
        "you'd need to lodge a formal complaint with the head teacher.",
        "you can appeal to the ombudsman if you disagree.",
        "you'll need to go through the other party's insurance company.",
        "please take it up with the letting agent.",
        "go back to the clinic and ask them to ring us",
        "i am raising a request to collections team they will call you tomorrow",
        "the claims unit will take it from here, they'll ring you.",
        "I'm passing the job to our roofing contractor, they'll be in touch to book it.",
    ])},
    # consulting a colleague or a team while the agent keeps the customer is no hand-off
    **{f"r10_no_handoff_{i:02d}": (_call(A(t), C("ok")), "handoff", False) for i, t in enumerate([
        "I'll check with my team leader and come back to you myself.",
        "let me just ask a colleague, please hold.",
        "I'll raise it with our engineers and I'll keep you updated myself.",
        "no need to transfer you, I can do that here.",
        "you can do a balance transfer to the new card.",
        "I've spoken to billing and they've approved the refund.",
        "I'll get the engineers to look at it and I'll ring you tomorrow with what they find.",
        "I'm just going to put you on a brief hold while I check the system.",
        "the payments team have confirmed the refund went out today.",
        "I'll transfer the money to your account today.",
        "i'll ask my supervisor to approve the credit while you hold",
        "did you manage to speak to the bank?",
        "I'll take this from here, you won't need to call again.",
        "we'll take it from here and I'll ring you on Friday",
        "I'm really sorry we put you through all that.",
        "I won't hand it to the queue, I'm keeping it myself.",
        "I'll contact the courier directly for you.",
        "you can call me directly on this number.",
    ])},
}

# options: alternatives the customer chooses between, offered with "or", "either", "alternatively", "another option", numbered
# lists, within one turn or across turns; steps of one plan joined by "and then", a restated option and a withdrawn one count once
# or not at all
ROUND10_COUNTS = {
    "r10_either_refund_or_replacement": ("either I refund you or we send a replacement, whichever you prefer.", 2),
    "r10_alternatively_credit": ("I can refund the delivery charge. Alternatively I can put a £15 credit on your account.", 2),
    "r10_another_option_cancel": ("I can move you to the cheaper plan. Another option is to cancel with no fee.", 2),
    "r10_numbered_three": ("You've got three options: one, a full refund; two, a replacement next week; three, a £20 voucher and keep the item.", 3),
    "r10_asr_or_or": ("so i can do a refund or a replacement or we can knock ten pound off and you keep it", 3),
    "r10_across_turns": (["I can refund the £30 today.", "C:is there anything else?", "I could also send you a replacement instead if you'd rather."], 2),
    "r10_steps_and_then": ("I'll cancel the order and then refund the £40 to your card.", 1),
    "r10_steps_collect_then_refund": ("the courier will collect it tomorrow and then we'll refund you once it arrives back.", 1),
    "r10_restated_refund": (["I can refund the £40 today.", "C:ok", "so that's the £40 refund going back today."], 1),
    "r10_withdrawn_option": ("I could offer a replacement, actually no, they're out of stock, so it's a full refund.", 1),
    "r10_chat_or": ("can do refund or credit, up to u", 2),
    "r10_indian_or_else": ("ma'am I can reverse the charges or else I can give 500 rupees cashback, kindly tell me", 2),
    "r10_troubleshooting_no_option": ("please restart the router, and if that fails I'll book an engineer to look at the line.", 0),
    # the kinds of remedy holdout4 showed missing, each in other words: a stalled payment released, goods remade or set aside
    # at no charge, a parcel redirected, an allowance for essentials, a hold on collections, an emergency top-up, a cash
    # settlement or the insurer's builder, money off a later order, a fee taken off, leaving without the exit fee, a refund as
    # a choice, an appointment offered; and what is none of these
    "r10_release_stalled_payment": ("I'm releasing the three hundred pounds that was held up, it'll be with you today.", 1),
    "r10_approve_claim": ("I'll approve your claim now and the money lands on Friday.", 1),
    "r10_remake_at_no_charge": ("we'll remake the curtains at no charge, ready next week.", 1),
    "r10_fresh_one_no_charge": ("I'll have a fresh cake made for you this afternoon, no charge.", 1),
    "r10_redirect_parcel": ("i can redirect your parcel to the pickup point near you", 1),
    "r10_allowance_essentials": ("we can pay an interim allowance for essentials while we trace the case.", 1),
    "r10_breathing_space": ("I can put the account on a 30-day breathing space while you sort things out.", 1),
    "r10_emergency_top_up": ("I'll send an emergency top-up code by text for tonight.", 1),
    "r10_settlement_or_builder": ("you can take a cash settlement, or our builder can do the repair.", 2),
    "r10_money_off_next_order_hassle": ("I'll take £15 off your next order for the hassle.", 1),
    "r10_taking_off_fee": ("I'm taking off the late payment fee now.", 1),
    "r10_leave_without_exit_fee": ("if you'd rather leave, I won't charge you the exit fee.", 1),
    "r10_choose_refund_or_new": ("you can choose: a full refund, or a new one sent tomorrow.", 2),
    "r10_appointment_offered": ("the nurse can see you at nine tomorrow morning.", 1),
    "r10_never_released_no_option": ("the claim was never released, I'm chasing the claims team now.", 0),
    "r10_bank_releases_no_option": ("your bank will release the funds in three days.", 0),
    "r10_gone_up_is_no_removal": (["so your bill has gone up by thirty pounds and no one said why, is that right?", "C:yes"], 0),
    "r10_refund_for_the_trouble_once": ("I'll refund fifty pounds of the delivery fee for the trouble.", 1),
    "r10_bag_onto_later_flight_no_rebook": ("your case was loaded in Dubai onto the later flight, it lands at six.", 0),
    "r10_cash_out_and_gesture": ("I can do a cash-out of six hundred dollars, and I'll add a $50 credit for the trouble.", 2),
}


# Round 10: compensation and follow-up by holdout4's classes, in other words: a gesture offered for the trouble with any offer
# verb, in either order; a pro-rata credit for days without service is money back, not compensation. Another person or team
# will contact the customer; the agent's later contact in chat words or a "quick" call; automatic messages stay no follow-up.
ROUND10_HOW = {
    **{f"r10_compensation_says_{i:02d}": (_call(A(t), C("ok")), "compensation_offered", True) for i, t in enumerate([
        "Either way I'll throw in a free dessert for the hassle.",
        "For the trouble, you can have a £20 voucher or free delivery on the next one.",
        "i'll knock the service fee off for the mix-up",
        "we're adding 500 bonus points for the disruption",
    ])},
    **{f"r10_no_compensation_{i:02d}": (_call(A(t), C("ok")), "compensation_offered", False) for i, t in enumerate([
        "I'll credit you for the three days without internet.",
        "sorry for the delay, we're checking it now.",
        "sorry for the wait, I'll transfer you to the right team.",
    ])},
    # policy: the rule cited by its owner or kind with no "our"; the system with no article or with "cannot"; self-service as
    # the only way; a rule that grants a remedy stays no deflection
    **{f"r10_policy_says_{i:02d}": (_call(A(t), C("ok")), "policy_language", True) for i, t in enumerate([
        "the club rules only allow one freeze a year.",
        "company policy is that refunds go back to the original card.",
        "the regulations don't allow us to backdate it.",
        "the warranty documents are clear on that.",
        "it's in the hire agreement.",
        "system shows the parcel as delivered.",
        "the system cannot undo a completed transfer.",
        "returns can be started only through the app",
    ])},
    **{f"r10_no_policy_{i:02d}": (_call(A(t), C("ok")), "policy_language", False) for i, t in enumerate([
        "the scheme rules allow me to refund the shortfall, so I've done that.",
        "our terms say you're entitled to a full refund, so it's on its way.",
    ])},
    # empathy: the feeling acknowledged as the customer's state (even before a "but"), the Irish "ye", "not surprised you're
    # ...", a bad way to start the day, a real fright, what would make anyone angry; "that is not on us" is no empathy
    **{f"r10_empathy_says_{i:02d}": (_call(A(t), C("ok")), "empathized", True) for i, t in enumerate([
        "I can hear you're really worried, but the parcel is still in transit.",
        "I understand you're frustrated, however the fee was applied correctly.",
        "ye must be fed up with the lot of us",
        "i'm not surprised you're annoyed after three visits",
        "what a horrible way to start your holiday.",
        "that must have given you a proper scare.",
        "waiting in all day for nobody would make anyone furious.",
        "you must be sick of chasing us by now.",
    ])},
    **{f"r10_no_empathy_{i:02d}": (_call(A(t), C("ok")), "empathized", False) for i, t in enumerate([
        "I understand, but that is not on us, the bank rejected it.",
        "I hear you're moving house next month, so I'll update the address.",
    ])},
    # let_vent: an identity request in the imperative cuts in like a question when the customer carries on with the complaint;
    # asked once the complaint is over and answered with the reference alone, it is the agent's response
    "r10_imperative_id_request_cuts_in": (_call(GREETING, C("my parcel never arrived and the tracking says delivered"),
                                                A("Please share the order number."),
                                                C("A7719. and nobody answers the phone at the depot, i've tried all morning"),
                                                A("I'm sorry about that."), opening=False), "let_vent", False),
    "r10_number_please_cuts_in": (_call(GREETING, C("you charged my card twice for one night at the hotel"), A("Booking number please"),
                                        C("BK5521. and the front desk told me to call you, I'm going round in circles"),
                                        A("That's not good enough, I'm sorry."), opening=False), "let_vent", False),
    "r10_id_request_after_complaint_is_response": (_call(GREETING, C("my parcel never arrived and the tracking says delivered"),
                                                         A("Kindly send the order number."), C("A7719"),
                                                         A("thanks, I can see the driver's note."), opening=False), "let_vent", True),
    # summarized: a recap opened with an Australian "beauty, so ..."
    "r10_summary_beauty_so": (_call(*_PLAN, A("beauty, so the fee back today, ten quid credit on the bill, and I'll ring you Friday")),
                              "summarized", True),
    **{f"r10_followup_says_{i:02d}": (_call(A(t), C("ok")), "followup_promised", True) for i, t in enumerate([
        "I'll pass it to our billing team, they'll email you by Friday.",
        "the nurse will ring you this afternoon.",
        "I will whatsapp you tomorrow with the tracking",
        "I'll give you a quick ring on Monday to check it's working.",
    ])},
    **{f"r10_no_followup_{i:02d}": (_call(A(t), C("ok")), "followup_promised", False) for i, t in enumerate([
        "you'll get a confirmation email automatically.",
        "the system will email you a confirmation straight away.",
    ])},
}

# ROUND 11 probes, one per class of holdout5's misses, in wordings of their own (not holdout5's sentences), each class
# with its hard negatives next to it.
_OFFER = "I can put a twenty pound credit on the account and waive the late fee."

ROUND11_AGREEMENT = {
    # (1)-(6) the plan put for acceptance with its object after the verb, as "happy for me to", as a short tag, as a bare
    # question, as a slot to take, or as "want me to" with another remedy verb
    **{f"r11_agree_ask_{i:02d}": (_call(A(f"{_OFFER} {q}"), C(a)), "agreement_obtained", True) for i, (q, a) in enumerate([
        ("Will I put the credit on for you now?", "yes please"),
        ("Shall I arrange the waiver along with it?", "yes"),
        ("Should we add the credit today?", "yes, thanks"),
        ("Can I take the late fee off for you?", "yes please"),
        ("Could I go ahead and process both for you?", "yeah"),
        ("so i'll do both of those shall i apply them", "yes"),
        ("Happy for me to set that up?", "yes"),
        ("Happy with the credit and the waiver?", "yes, lovely"),
        ("Both of those ok?", "yes"),
        ("Credit and waiver, that okay?", "yeah"),
        ("The waiver ok for you?", "yep"),
        ("Credit it then?", "yes"),
        ("Does the Friday morning slot work?", "yes that works"),
        ("Want me to pop that on now?", "yes"),
        ("Want me to approve the waiver?", "sure"),
    ])},
    # (7) the customer's acceptance in other registers: an emoji, a grudging go-ahead, Singlish, Australian, Scottish, Nigerian,
    # Indian, chat shorthand
    **{f"r11_agree_says_{i:02d}": (_call(A(f"{_OFFER} Shall I go ahead?"), C(a)), "agreement_obtained", True) for i, a in enumerate([
        "👍", "👍🏽", "👌 thanks", "✅", "fine, go ahead then", "ok fine, process it", "right, do both then",
        "alright, if I have to, book it", "sure whatever gets this closed", "ok lor", "ok lah", "sweet, the credit will do",
        "sweet as", "aye, that's grand", "no wahala, apply it", "haan ji, please proceed", "kk go ahead", "k yep",
        "the credit one works", "no bother, do it", "the waiver, yes, send it",
    ])},
    # hard negatives: the same questions when they ask for a hold, a detail, a check or a transfer; replies that refuse,
    # dismiss, ask back or turn the plan down
    **{f"r11_no_agree_{i:02d}": (_call(*lines), "agreement_obtained", False) for i, lines in enumerate([
        (A("Can I put you on a short hold while I check?"), C("yes")),
        (A("Shall I read the reference back to you?"), C("go ahead")),
        (A("Can I take your postcode please?"), C("go ahead, it's SW1 2AB")),
        (A("Should I check the line from here first?"), C("yes go ahead")),
        (A("Does the router work now?"), C("yes")),
        (A("I'll put you on a short hold, that ok?"), C("yeah")),
        (A("Should we move on to your other question?"), C("yes")),
        (A("Can I put you through to billing?"), C("fine, do it")),
        (A(f"{_OFFER} Shall I go ahead?"), C("👎")),
        (A(f"{_OFFER} Shall I go ahead?"), C("🤔")),
        (A(f"{_OFFER} Shall I go ahead?"), C("fine. put me through to a manager")),
        (A(f"{_OFFER} Shall I go ahead?"), C("don't book it yet, I need to ask my wife")),
        (A(f"{_OFFER} Shall I go ahead?"), C("yeah whatever")),
        (A(f"{_OFFER} Shall I go ahead?"), C("whatever you think")),
        (A(f"{_OFFER} Shall I go ahead?"), C("can you do it today?")),
        (A(f"{_OFFER} Shall I go ahead?"), C("yeah... actually no, leave it")),
        (A(f"{_OFFER}"), C("ok lor")),
        (A(f"{_OFFER}"), C("👍")),
        (A(f"{_OFFER} Which would you like done first?"), C("the credit")),
    ])},
}


ROUND11_SUMMARY = {
    # (1)-(4) the closing recap: two items or more after the word that closes the work, then more statements; other closing
    # words; a sum with a decimal point inside the items; openers in a row before "so" in an unpunctuated turn
    **{f"r11_summary_says_{i:02d}": (_call(*_PLAN, A(t)), "summarized", True) for i, t in enumerate([
        "Done: the fee is off, the £10 credit shows on Monday's bill. I'll ring you Tuesday to check. Bye for now.",
        "Booked: engineer Wednesday 8-1, credit on your next statement. Anything you need, just message us.",
        "Arranged. New meter fitted on the 9th, old readings cleared, no charge to you. Thanks for bearing with us.",
        "Applied, so £40 off this bill and the late fee gone. You'll get a corrected statement by post.",
        "it's all sorted, the fee's reversed and the credit is on, and i'll give you a call friday",
        "done madam, refund in three days, late fee reversed, and I will call you Monday.",
        "Great. Refund of £12.50 today, the £10 credit on the account, and the tariff back to what it was.",
        "Grand. Fee gone from this bill and ten euro credit on the next one. Mind yourself.",
        "Done, $14.99 back within 5 days, plan stays the same. Thanks for your patience.",
        "okay done so the credit's on and you won't see the late fee again thanks for calling",
        "Cancelled from today, nothing more to pay, confirmation by email within the hour.",
    ])},
    # hard negatives: one item, thanks or a goodbye after the closing word, a promise after a bare "Lovely.", an offer after
    # it, a recap that asks for agreement, the closing word with only a follow-up
    **{f"r11_no_summary_{i:02d}": (_call(*_PLAN, A(t)), "summarized", False) for i, t in enumerate([
        "Done, the £10 credit is on. You'll get an automatic confirmation email.",
        "Done. Thanks for your patience, and have a good weekend.",
        "Lovely. Leave it with me, I'll ring you Thursday to confirm.",
        "Great, I'll refund the fee and add the credit today.",
        "Done. I can also move your payment date, or spread the balance, if you'd like.",
        "Booked: engineer Wednesday, credit on the next bill. Does that all work for you?",
        "Sorted. I'll call you Friday.",
        "Perfect. What else can I help you with today, and is the number ending 42 still best?",
    ])},
}


ROUND11_HANDOFF = {
    # (1) the matter belongs to another party; (2) the customer must take it up with them; (3) sent to a branch, store or
    # office; (4) another team or party takes it and will contact the customer
    **{f"r11_handoff_says_{i:02d}": (_call(A(t), C("ok")), "handoff", True) for i, t in enumerate([
        "Parking fines are something the site operator deals with, not us.",
        "Your home insurer covers that, so you'll need to claim with them.",
        "Warranty repairs go through the original manufacturer.",
        "Our deliveries are done by a partner courier.",
        "That payment went through PayPal, so you'll have to ask them for the refund.",
        "The refund for the hotel night you'll need to request from the hotel directly.",
        "You'd need to raise a dispute with the seller directly.",
        "You'll have to book the new slot with them.",
        "You'd need to claim on your home insurance for the carpet.",
        "Please visit any of our branches with photo ID.",
        "You will have to go to your home branch with the passbook, they can update it.",
        "For that you'd need to pop into one of our stores.",
        "I've forwarded it to our loss adjusters, they will be in touch by Friday.",
        "The depot will ring you to book the collection.",
    ])},
    # hard negatives: the agent chasing the other party, a membership moved, the agent keeping the case, a document to bring
    # to the agent, feedback passed on, a store named as where the item was bought
    **{f"r11_handoff_near_miss_{i:02d}": (_call(A(t), C("ok")), "handoff", False) for i, t in enumerate([
        "We can transfer you to the nearest club at no cost.",
        "I'll contact the seller directly for you and call you back.",
        "The courier handles the last mile, but I'll chase them myself and update you.",
        "Our deliveries are usually on time, I'm sorry this one wasn't.",
        "You'll need to send us the receipt with the form.",
        "I've passed your comments on to the store manager.",
        "You bought it in our Leeds store, so I can see the receipt here.",
        "I'll pass it to our billing team and I'll call you myself tomorrow.",
    ])},
}


ROUND11_BLAMING = {
    # (1) what the customer was told, signed or agreed to; (2) what they ought to have done or had; (3) the fault put on
    # them; (4) a record against them; (5) their account doubted; a duty not done in time, a wrong detail they entered,
    # their own instruction followed
    **{f"r11_blaming_says_{i:02d}": (_call(A(t), C("that's not fair")), "blaming", True) for i, t in enumerate([
        "You were told at check-in that the room rate excludes parking.",
        "It's all in the tenancy agreement you signed.",
        "You would have signed the hire form saying fuel is extra.",
        "You'd have agreed to that when you renewed.",
        "You ought to have read the renewal letter.",
        "If you'd registered the warranty this wouldn't have happened.",
        "You didn't declare the extension when you applied.",
        "You'd have needed a visa for the layover, that's on the traveller.",
        "You upgraded the plan yourself last month.",
        "That's not what the engineer's job sheet says.",
        "The camera at the gate shows you leaving the car there.",
        "Did you actually wait in for the whole slot?",
        "Are you sure no one else in the family used the card?",
        "You didn't send the meter reading before the deadline.",
        "You had typed the wrong postcode at checkout.",
        "The parcel was left in the porch as you instructed.",
    ])},
    # hard negatives: the company's failure or a neutral check, a record in the customer's favour, a restatement with a tag,
    # a promise, an offer
    **{f"r11_blaming_near_miss_{i:02d}": (_call(A(t), C("okay")), "blaming", False) for i, t in enumerate([
        "Nothing changes on your end, it's all done here.",
        "So the fee was added again and you never agreed to it, correct?",
        "So you paid on the fifth and it still shows as late, right.",
        "The meter log shows a fault on our side, so the bill is wrong.",
        "If you'd like, I can book the engineer for Friday.",
        "You were told at the desk it was cancelled, and it wasn't, I'm sorry.",
        "Did you get the text we sent this morning?",
        "You should have the refund by Friday.",
        "The camera shows a fault with the barrier, so the fine is cancelled.",
        "We didn't send the reminder before the deadline, that's on us.",
    ])},
}


ROUND11_COUNTS = {
    # remedies in words the groups did not hold, one class each, with the remedy already counted next to it
    "r11_hire_car_and_refund": ("I'll refund the excess and get you a courtesy car from tomorrow.", 2),
    "r11_loan_hotspot": ("The engineer fixes the line Monday, and I can post you a dongle to use until then.", 1),
    "r11_cheaper_plan_named_by_price": ("I'll refund the roaming charge and move you to the twenty nine plan from today.", 2),
    "r11_plan_at_a_price": ("I can switch you onto the family plan at forty five pounds and refund the difference.", 2),
    "r11_due_date_pushed_out": ("I'll refund the second payment and push your next bill's due date out ten days.", 2),
    "r11_rest_over_months": ("I'll take off the late fee and the rest you can pay over four months.", 2),
    "r11_standby": ("I can list you standby on the 8:10 for a $50 fee.", 1),
    "r11_flights_moved": ("I can move your flights to new dates for a change fee of forty pounds.", 1),
    "r11_cancel_the_direct_debit": ("I'll refund the two extra payments and cancel the direct debit from today.", 2),
    "r11_cancel_today": ("Since the branch closed, I can cancel today with nothing more to pay.", 1),
    "r11_passive_recredit": ("The failed top-up will be re-credited to your card within a day.", 1),
    "r11_hold_on_the_balance": ("I'll put a hold on the balance while I resubmit the claim.", 1),
    "r11_letter_for_the_landlord": ("I'll refund the fee and send you a letter for your landlord explaining it was our error.", 2),
    "r11_days_off_the_rent": ("I'll take those five days off your rent and lend you a dehumidifier.", 2),
    "r11_sent_out_again": ("I can send your groceries out again tonight between 6 and 8.", 1),
    "r11_refund_if_you_prefer": (["I can exchange it for the right size.", "Or if you'd prefer, a full refund."], 2),
    # counted too many before: a withdrawn option, a pending credit reported, a meter swapped, goods another party must send,
    # "take it off and refund", a loan at our cost, a payment plan at a price, a stopped direct debit (a hold)
    "r11_scratch_that": ("I can refund the box or send another. I could add 10% off too, actually scratch that, that offer ended.", 2),
    "r11_i_was_going_to_say": ("I was going to say I could refund the unused leg, but since it's been flown I can't.", 0),
    "r11_credit_pending": ("I can see the credit is pending approval on our side.", 0),
    "r11_meter_swapped": ("I'll swap the meter onto the right account and refund what you paid.", 1),
    "r11_they_must_send": ("you'd need to take that up with the surgery, they'll have to send it again.", 0),
    "r11_take_it_off_and_refund": ("I'll take it off and refund the three months.", 1),
    "r11_loan_at_our_cost": ("I'll arrange a loan chair at our cost until yours is repaired.", 1),
    "r11_payment_plan_at_a_price": ("I can put you on a payment plan at £60 a month.", 1),
    "r11_stop_the_direct_debit": ("I'll stop the direct debit until the bill is corrected.", 1),
    "r11_upgrade_on_this_booking_once": ("I'll refund the surcharge and give you a free upgrade on this stay for the hassle.", 2),
    "r11_upgrade_next_booking_still_counts": ("I'll refund the fee and put a free upgrade on your next booking for the trouble.", 2),
    "r11_should_have_spread_it": ("You should have joined the budget plan to spread it over the year.", 0),
}


ROUND11_POLICY = {
    # (1) the rule named by what sets it; (2) the system or portal as the limit; (3) an exclusion or a list; (4) self-service
    **{f"r11_policy_says_{i:02d}": (_call(A(t), C("seriously?")), "policy_language", True) for i, t in enumerate([
        "Refund windows are set by our returns standards, I'm afraid.",
        "Late fees are fixed by the tenancy agreement.",
        "The council bylaw says bins must be out by 7am.",
        "As per our escalation procedure it has to wait 72 hours.",
        "Disputes follow the chargeback protocol, so I can't speed it up.",
        "Account closures need fourteen days' written notice.",
        "Our system only shows payments once they clear.",
        "The portal will only update after the month-end run.",
        "Your plan excludes cosmetic dental work.",
        "That brand isn't on our formulary.",
        "You can track the progress online.",
    ])},
    # hard negatives: a rule that grants or times a remedy, an insurance policy as the product, a process the agent uses for
    # the customer
    **{f"r11_policy_near_miss_{i:02d}": (_call(A(t), C("ok")), "policy_language", False) for i, t in enumerate([
        "You're entitled to 250 euros each under the delay regulations, I'll submit it now.",
        "It will reflect within 7 days, as per the bank's timelines.",
        "When you took the policy out the conservatory wasn't listed.",
        "I'm going to waive the fee under our hardship process.",
        "Our bereavement procedure lets me close the account today with no charge.",
        "I'll track the parcel myself and update you.",
    ])},
}


ROUND11_VERIFY = {
    # (1) the restatement as the question after an apology or interjection; (2) after a self-correction; (3) another subject
    # with the customer in it; (4) "and you're ... ?"; (5) an ASR restatement closed by "correct"
    **{f"r11_verify_says_{i:02d}": (_call(A(t), C("yes")), "verified_understanding", True) for i, t in enumerate([
        "Oh no, I'm sorry, so the bill went up forty pounds and nobody told you why?",
        "Ah sorry to hear that, so the increase came with no letter and no email at all?",
        "so my, so your bill has gone up by forty pounds this month without any warning?",
        "So a bill you thought was fixed jumped by forty pounds this month?",
        "So forty pounds extra this month and you've had no explanation from anyone?",
        "So we've put your bill up by forty pounds and never told you the reason?",
        "and you're now paying forty pounds more and nobody has explained it?",
        "really sorry sir so your bill has gone up forty pounds and no one told you correct",
    ])},
    # hard negatives: a detail read back with a tag, a plan put as a question, a question for a detail
    **{f"r11_verify_near_miss_{i:02d}": (_call(A(t), C("yes")), "verified_understanding", False) for i, t in enumerate([
        "so that's sort code twenty forty, account ending four four one two, correct?",
        "Okay, so that's the forty pounds back and a ten pound credit, does that work?",
        "and you're happy for me to refund the forty pounds and add the credit?",
        "Oh sorry, so what's the account number on the bill?",
        "so your date of birth is the third of May, correct?",
    ])},
}


ROUND11_HOW = {
    # took_ownership: the case kept "myself" in other words, the other party chased in person; hard negatives next to them
    **{f"r11_ownership_says_{i:02d}": (_call(A(t), C("ok")), "took_ownership", True) for i, t in enumerate([
        "I'm keeping your case myself from here.",
        "I'll stay across this one myself until it's fixed.",
        "I will sort this for you myself today.",
        "I'm taking this claim myself.",
        "I'll ring the contractor myself this afternoon and call you back.",
    ])},
    **{f"r11_ownership_near_miss_{i:02d}": (_call(A(t), C("ok")), "took_ownership", False) for i, t in enumerate([
        "I'll send you the form myself.",
        "You can fill it in yourself online.",
        "I'm keeping your case myself, but I'll have to transfer you to billing for the refund.",
    ])},
    # followup_promised: the agent's check-in in other words, even beside an automatic confirmation; hard negatives next to them
    **{f"r11_followup_says_{i:02d}": (_call(A(t), C("ok")), "followup_promised", True) for i, t in enumerate([
        "I'll check in here on Friday to see it's working.",
        "I'll check back in with you next week.",
        "You'll get the usual confirmation email, and I'll check in with you Tuesday.",
        "I'll message you the day before to make sure it's all still fine.",
    ])},
    **{f"r11_followup_near_miss_{i:02d}": (_call(A(t), C("ok")), "followup_promised", False) for i, t in enumerate([
        "I'll email you a prepaid returns label now.",
        "You'll get an automatic confirmation email today.",
        "Can you check in the app whether the payment shows?",
    ])},
}


ROUND11_EMPATHY = {
    # empathized: the feeling validated as the customer's right, a reaction anyone would have, in other words
    **{f"r11_empathy_says_{i:02d}": (_call(A(t), C("it is")), "empathized", True) for i, t in enumerate([
        "You'd be well within your rights to feel gutted.",
        "That would make anyone grumpy, a bill like that.",
        "I'd be fizzing, to be fair.",
        "It'd be a nasty scare opening that letter.",
        "So frustrating when you'd already paid it.",
    ])},
    **{f"r11_empathy_near_miss_{i:02d}": (_call(A(t), C("ok")), "empathized", False) for i, t in enumerate([
        "You're entitled to a refund for the missed days.",
        "That would make the bill forty pounds lower.",
        "So the charge came with no warning at all, is that right?",
    ])},
    # empathy_negated: an acknowledgement or a named feeling followed by "but"/"however", with or without a comma
    **{f"r11_negated_says_{i:02d}": (_call(A(t), C("right")), "empathy_negated", True) for i, t in enumerate([
        "I get you, but the fee still applies.",
        "i can tell you're annoyed but the system has it as paid",
        "I can see you're worried, however the payment hasn't cleared.",
    ])},
    **{f"r11_negated_near_miss_{i:02d}": (_call(A(t), C("yes")), "empathy_negated", False) for i, t in enumerate([
        "So you were worried about the letter but you'd already paid, is that right?",
        "I'll refund it today, but it can take three days to show.",
    ])},
}


ROUND11_COMPENSATION = {
    **{f"r11_compensation_says_{i:02d}": (_call(A(t), C("ok")), "compensation_offered", True) for i, t in enumerate([
        "Sorry the curry was cold, I'll add a $5 voucher for next time.",
        "I'll give you two weeks' streaming free while it's fixed.",
    ])},
    # hard negatives: a discount due for the customer's circumstances, backdated; a gesture withdrawn in the same sentence
    **{f"r11_compensation_near_miss_{i:02d}": (_call(A(t), C("ok")), "compensation_offered", False) for i, t in enumerate([
        "I'll backdate your student discount to September.",
        "So the pensioner discount from March, and the rest over six months.",
        "I could add a month free, oh wait, no, that's not available on your plan.",
    ])},
}


ROUND11_OTHER = {
    "r11_outcome_feel_fair": (_call(A("What would feel fair to you here?"), C("money back")), "asked_desired_outcome", True),
    "r11_outcome_what_is_it": (_call(A("what is it you'd like us to do?"), C("refund it")), "asked_desired_outcome", True),
    "r11_no_outcome_which": (_call(A("What would you prefer, the refund or the credit?"), C("refund")), "asked_desired_outcome", False),
    "r11_no_apology_refusal_sorry": (_call(A("I can't waive that, sorry."), C("right")), "apologized", False),
    "r11_apology_still": (_call(A("Sorry, that should never have happened."), C("right")), "apologized", True),
    "r11_no_thanks_for_code": (_call(A("Thanks for the voucher code."), C("ok")), "thanked", False),
    "r11_thanks_code_and_patience": (_call(A("Thanks for the voucher code and for your patience today."), C("ok")), "thanked", True),
}


# round 12 (session 11): holdout6's misses by class, in wordings of their own, each class with its hard negatives
ROUND12_HANDOFF = {
    # (1) the matter handled or arranged by another party, who takes it over; (2) a kind of case that goes to another party who
    # will contact the customer; (3) the customer told to take it to another party in other words
    **{f"r12_handoff_says_{i:02d}": (_call(A(t), C("ok")), "handoff", True) for i, t in enumerate([
        "Boiler cover is handled by our heating partner, you'll hear from them this week.",
        "Chargebacks are handled by our disputes team, I've logged it and they will email you by Thursday.",
        "Garden waste collections are arranged by the council, please contact the council directly.",
        "The gym desk handles memberships, I've sent them your details.",
        "Noise complaints go to the building manager, they'll call you tomorrow.",
        "For the parking ticket you must write to the city office directly.",
        "For the charger, contact the original vendor on the app store.",
        "Please contact them on the returns page.",
        "You'd need to appeal it with the tribunal.",
        "That fine is between you and the council.",
        "You'll need a plumber to fix the pipe on your side.",
        "He'll need to go through them for the paperwork.",
    ])},
    # hard negatives: the company's own team doing the work while the agent keeps the customer; the agent contacting the party;
    # something done by the agent; a check of what the customer did
    **{f"r12_handoff_near_miss_{i:02d}": (_call(A(t), C("ok")), "handoff", False) for i, t in enumerate([
        "Repairs are handled by our engineering team and I'll keep you posted myself.",
        "Refunds are handled by me, so it's going back today.",
        "I'll write to the council directly on your behalf.",
        "Did you contact the seller directly?",
        "Your new card is arranged by us and should arrive Monday.",
    ])},
}

ROUND12_POLICY = {
    # (1) the system as the subject that charges, issues or blocks, or the one that set a price; (2) an exclusion or a rule in
    # a document; (3) self-service as the only way
    **{f"r12_policy_says_{i:02d}": (_call(A(t), C("ok")), "policy_language", True) for i, t in enumerate([
        "Our billing system doesn't allow refunds after the statement date.",
        "The system auto-cancels unpaid bookings after an hour.",
        "The late fee is applied automatically by the payment system.",
        "Sorry, that's the booking system.",
        "It's the regulation, I'm afraid. That is the process.",
        "Your membership agreement, as you'll know, excludes personal items.",
        "As stated in the tenant handbook, bins must be in by 8.",
        "The subscription renews automatically each March.",
        "Delivery updates can only be checked via the tracking portal.",
        "Please refer to the help centre article on passwords.",
    ])},
    # hard negatives: the system's own error, a remedy granted, a check during troubleshooting, where the matter stands
    **{f"r12_policy_near_miss_{i:02d}": (_call(A(t), C("ok")), "policy_language", False) for i, t in enumerate([
        "Our billing system charged you twice by mistake, I'll refund one now.",
        "The booking system cancelled it in error, I've put it back.",
        "Could you refresh the app and tell me what you see?",
        "I'll call you Friday with where it stands.",
        "Our agreement lets me waive the fee this time.",
    ])},
}

ROUND12_BLAMING = {
    # (1) what a page or a preview told the customer; (2) the fault traced to what they did or approved; (3) what they should not
    # have done or should have got; (4) a guess at their conduct; (5) a duty questioned against the instructions
    **{f"r12_blaming_says_{i:02d}": (_call(A(t), C("ok")), "blaming", True) for i, t in enumerate([
        "The checkout page warned you about the size.",
        "You bought it knowing it was final sale.",
        "It seems you cancelled the direct debit, that's why the account is in arrears.",
        "You signed off the design last week.",
        "I can see your signature on the delivery note.",
        "You shouldn't have given the PIN to the caller.",
        "You should have got a survey before buying.",
        "You must have been driving in the bus lane.",
        "Did you store it flat as the label said?",
    ])},
    # hard negatives: a feeling guessed with "must've", sympathy with "shouldn't have had to", a restatement asked back, the
    # company's own warning that failed
    **{f"r12_blaming_near_miss_{i:02d}": (_call(A(t), C("ok")), "blaming", False) for i, t in enumerate([
        "You must've been freezing out there.",
        "You must have been waiting ages for that.",
        "You shouldn't have had to chase us like this.",
        "So the app logged you out and you missed the sale?",
        "The app should have warned you and it didn't, that's on us.",
    ])},
}

ROUND12_COMPENSATION = {
    # (1) a job or a reprint at half price; (2) a gesture named as an apology; (3) the next services free; (4) a fee refunded
    # while the job is still redone
    **{f"r12_compensation_says_{i:02d}": (_call(*[A(x) for x in t], C("ok")), "compensation_offered", True) for i, t in enumerate([
        ["If you want it redone, we can do it for half the price."],
        ["As an apology, your next order ships free."],
        ["Your next three washes are on us."],
        ["We'll remake the cake for Saturday. And I'll refund the delivery fee."],
        ["We'll re-treat the lawn on Monday, and I'll refund today's treatment fee as well."],
    ])},
    # hard negatives: a refund instead of redoing; a gesture the system won't allow; a free rebooking of a lost lesson; a fee
    # refunded because the service failed
    **{f"r12_compensation_near_miss_{i:02d}": (_call(*[A(x) for x in t], C("ok")), "compensation_offered", False) for i, t in enumerate([
        ["I can refund the fitting fee, or send a fitter to redo it on Friday."],
        ["The system won't let me add a free session to a closed account."],
        ["I can give you a free lesson to make up the time you lost."],
        ["I can refund this week's cleaning fee since the visit never happened."],
        ["I can book you a free retest for Thursday."],
    ])},
}

ROUND12_EMPATHY = {
    # (1) the feeling put to the customer with "must've", "ye" or a feeling word of its own; (2) the agent's own reaction as a
    # conditional; (3) the situation named by what it does to a person; (4) imagined; (5) chat spelling; (6) imagined before "but"
    **{f"r12_empathy_says_{i:02d}": (_call(A(t), C("ok")), "empathized", True) for i, t in enumerate([
        "You must've been drenched waiting at that stop.",
        "Ye must be shattered after a night of that.",
        "You both must be absolutely knackered by now.",
        "I'd be worried sick if it were my mum.",
        "Honestly I'd have been spitting feathers.",
        "That would leave anyone's stomach in knots.",
        "Being cut off for a week must be so isolating.",
        "I can imagine you're fuming about the second bill.",
        "I totally understand ur disappointment.",
    ])},
    **{f"r12_empathy_near_miss_{i:02d}": (_call(A(t), C("ok")), "empathized", False) for i, t in enumerate([
        "You must've been sent the old form by mistake.",
        "I'd be happy to look into that for you.",
        "I can imagine the courier left it at the depot.",
        "You must be the account holder, then.",
    ])},
    "r12_empathy_negated_imagine": (_call(A("I can imagine how stressful the wait was, but the lab sets the dates."), C("ok")),
                                    "empathy_negated", True),
    "r12_empathy_not_negated_plan": (_call(A("I can imagine the refund will land by Friday."), C("ok")), "empathy_negated", False),
}

ROUND12_AGREEMENT = {
    # (1) the plan question as "would <the plan> be ok?", "would that be a start?", "would both help?", "ok to <do it>?";
    # (2) the yes after the customer's pick, followed by a go-ahead or thanks; "that's grand"
    **{f"r12_agreement_says_{i:02d}": (_call(A(q), C(a)), "agreement_obtained", True) for i, (q, a) in enumerate([
        ("Would a refund to your card be okay?", "yes that's fine"),
        ("I can credit the fee and send a new router. Would that be a start?", "Yes, it's a start"),
        ("A credit and a new slot, would both help?", "yep both"),
        ("ok to cancel the order now?", "yes"),
        ("I can rebook you Tuesday or refund it. Shall I book Tuesday?", "tuesday, yes please, book me in"),
        ("A new kettle or a refund, shall I go ahead?", "the kettle, yes, that's great"),
        ("I can send a fresh box tomorrow, is that ok?", "fresh box, and that's grand"),
    ])},
    # hard negatives: a question about something else, a yes taken back, a hedge
    **{f"r12_agreement_near_miss_{i:02d}": (_call(A(q), C(a)), "agreement_obtained", False) for i, (q, a) in enumerate([
        ("Would a call back tomorrow help you find the receipt? Or do you have it?", "i'll look"),
        ("Would a refund to your card be okay?", "I suppose, but I'd rather have the cash"),
        ("ok to cancel the order now?", "no, not yet"),
        ("Is this still your number?", "yes, that's lovely of you to check"),
    ])},
}

ROUND12_VERIFY = {
    # the restatement put as a question that starts with another subject, or that holds an "or" inside the account; the account
    # after "let me make sure I have everything:"
    **{f"r12_verify_says_{i:02d}": (_call(A(t), C("yes")), "verified_understanding", True) for i, t in enumerate([
        "So it was left on the porch in the rain and the box was soaked through when you got home?",
        "So she was charged twice for June and nobody has replied to either of her emails?",
        "So all four chairs arrived with scratches on the legs even though you paid for the premium wrap?",
        "So the bill went up in May, or at least the direct debit did, and nobody wrote to you about it?",
        "Let me make sure I have everything: the boiler leaks, the engineer never came, and you've had no hot water since Monday.",
    ])},
    # hard negatives: a choice at the end, a plan question, a question about what the customer did, a detail read back
    **{f"r12_verify_near_miss_{i:02d}": (_call(A(t), C("yes")), "verified_understanding", False) for i, t in enumerate([
        "So the fastest fix is to send a new one tomorrow, or the refund today?",
        "So it's the refund you want, shall I put that through now for you?",
        "So did you try turning the router off and on again before you rang?",
        "So that's card ending four four one two, registered to the flat in Leeds?",
    ])},
}

ROUND12_HOW = {
    # ownership: the case taken in other words
    **{f"r12_ownership_says_{i:02d}": (_call(A(t), C("ok")), "took_ownership", True) for i, t in enumerate([
        "I'm taking personal charge of your claim from today.",
        "From here on I'll be your single point of contact.",
        "I'll handle your complaint myself.",
        "That's on our side, and I'll fix it myself.",
    ])},
    **{f"r12_ownership_near_miss_{i:02d}": (_call(A(t), C("ok")), "took_ownership", False) for i, t in enumerate([
        "Our claims team will take charge of it from here.",
        "Can you check the settings yourself?",
        "That's our responsibility.",
    ])},
    # asked_desired_outcome: what would make the coming days right, what matters most, what they'd like from us
    **{f"r12_outcome_says_{i:02d}": (_call(A(t), C("a refund")), "asked_desired_outcome", True) for i, t in enumerate([
        "What would make the rest of your stay better?",
        "Is there anything that would make this month easier for you?",
        "Can I ask what matters most to you about the move?",
        "Is there anything you'd like from us to put this right?",
    ])},
    **{f"r12_outcome_near_miss_{i:02d}": (_call(A(t), C("no")), "asked_desired_outcome", False) for i, t in enumerate([
        "What would make the app crash like that?",
        "Is there anything else I can help with?",
        "Is there anything else on the order you'd like changed?",
    ])},
}

def _late(*lines):
    """A call whose last agent turns come late (a recap is read after 0.7 of the call's turns)."""
    return _call(A("I'm sorry about that."), C("ok"), A("I can refund it and add a credit, shall I?"), C("yes please"), *lines)


ROUND12_SUMMARY = {
    # the closing word with an emoji or a particle before two items; "recap" after a colon or an interjection inside the turn
    **{f"r12_summary_says_{i:02d}": (_late(A(t), C("thanks")), "summarized", True) for i, t in enumerate([
        "Done 👍 $25 back on your card by Friday and the new charger ships tomorrow. Take care.",
        "Done na. Refund of 900 rupees in 5 days, and the order is cancelled so nothing more is charged.",
        "I'll watch this myself: recap, refund today, new box Monday, no fee.",
        "perfect, recap: new card by Tuesday, old one blocked, fee gone.",
    ])},
    # hard negatives: one item, thanks after the closing word, a promise after it, a recap that asks for agreement
    **{f"r12_summary_near_miss_{i:02d}": (_late(A(t), C("thanks")), "summarized", False) for i, t in enumerate([
        "Done po, refunded.",
        "Done ✅ Thanks for waiting, Sam, and for your patience.",
        "Done. I'll keep your case myself and I'll ring you tomorrow.",
        "Lovely, recap: refund today and a new box Monday, does that work?",
    ])},
}

ROUND12_FOLLOWUP = {
    # the agent's later contact in the present tense; another person or team who will reach out
    **{f"r12_followup_says_{i:02d}": (_call(A(t), C("ok")), "followup_promised", True) for i, t in enumerate([
        "Either way I ring you Thursday with the result.",
        "I've sent it to the valuations team and they'll reach out by next week.",
        "Our nurse has your notes, she'll contact you this afternoon.",
    ])},
    **{f"r12_followup_near_miss_{i:02d}": (_call(A(t), C("ok")), "followup_promised", False) for i, t in enumerate([
        "I message you the link now, it's in your inbox.",
        "They reached out yesterday, so the case is closed.",
        "She contacted you last week about the form, I can see the note.",
    ])},
}

ROUND12_THANKS = {
    "r12_thanks_and_patience": (_call(A("Thanks for calling, and for your patience today."), C("bye")), "thanked", True),
    "r12_thanks_told_me_fast": (_call(A("Thank you for telling us so quickly, it helped."), C("ok")), "thanked", True),
    "r12_no_thanks_and_reference": (_call(A("Thanks for calling, and for the reference."), C("bye")), "thanked", False),
    "r12_no_thanks_reaching_out": (_call(A("Thanks for reaching out. Returns close after 30 days."), C("ok")), "thanked", False),
    "r12_no_apology_system_refusal": (_call(A("sorry, the system won't let me move it inside 24 hours"), C("k")), "apologized", False),
    "r12_apology_still_with_system": (_call(A("Sorry about that, our system sent it to the wrong address."), C("ok")), "apologized", True),
}


def _phrasing_cases() -> tuple[dict, dict]:
    flags, counts = {}, {}
    for prefix, table in (("", PHRASINGS), ("more_", MORE_PHRASINGS), ("r8_", ROUND8_PHRASINGS), ("r8b_", ROUND8_MORE),
                          ("r9_", ROUND9_PHRASINGS)):
        for practice, (positives, negatives) in table.items():
            for i, text in enumerate(positives):
                flags[f"{prefix}{practice}_says_{i:02d}"] = (_call(A(text), C("ok")), practice, True)
            for i, text in enumerate(negatives):
                flags[f"{prefix}{practice}_near_miss_{i:02d}"] = (_call(A(text), C("ok")), practice, False)
    for name, (text, n) in {**OPTION_PHRASINGS, **ROUND8_COUNTS, **ROUND9_COUNTS, **ROUND10_COUNTS, **ROUND11_COUNTS}.items():
        lines = [C(t[2:]) if t.startswith("C:") else A(t) for t in ([text] if isinstance(text, str) else text)]
        counts[f"options_{name}"] = (_call(*lines, C("ok")), "options_offered", n)
    return flags, counts


_FLAGS, _COUNTS = _phrasing_cases()
CASES.update(_FLAGS)
CASES.update(ROUND8_CASES)
CASES.update(ROUND9_CASES)
CASES.update(ROUND9_AGREEMENT)
CASES.update(ROUND9_SUMMARY)
CASES.update(ROUND9_HOW)
CASES.update(ROUND10_AGREEMENT)
CASES.update(ROUND10_HANDOFF)
CASES.update(ROUND10_HOW)
CASES.update(ROUND11_AGREEMENT)
CASES.update(ROUND11_SUMMARY)
CASES.update(ROUND11_HANDOFF)
CASES.update(ROUND11_BLAMING)
CASES.update(ROUND11_POLICY)
CASES.update(ROUND11_VERIFY)
CASES.update(ROUND11_HOW)
CASES.update(ROUND11_EMPATHY)
CASES.update(ROUND11_COMPENSATION)
CASES.update(ROUND11_OTHER)
CASES.update(ROUND12_HANDOFF)
CASES.update(ROUND12_POLICY)
CASES.update(ROUND12_BLAMING)
CASES.update(ROUND12_COMPENSATION)
CASES.update(ROUND12_EMPATHY)
CASES.update(ROUND12_AGREEMENT)
CASES.update(ROUND12_VERIFY)
CASES.update(ROUND12_HOW)
CASES.update(ROUND12_SUMMARY)
CASES.update(ROUND12_FOLLOWUP)
CASES.update(ROUND12_THANKS)
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


def test_first_apology_turn_skips_the_sorry_about_the_line(calls):
    """Turn 2 is "sorry, you're breaking up" (not an apology); turn 4 apologises."""
    assert calls.loc["r9_first_apology_after_line_sorry", "first_apology_turn"] == 4


def test_first_apology_position_is_the_share_of_the_call_elapsed(calls):
    """Turns of 2 s after 0.5 s pauses: the apology (turn 2) starts at 5.5 s of a call from 0.5 s
    to 10.0 s: (5.5 - 0.5) / 9.5."""
    assert calls.loc["apology", "first_apology_position"] == pytest.approx(5.0 / 9.5, abs=1e-3)


def test_a_centre_can_add_its_own_phrases(tmp_path):
    extra = tmp_path / "ours.toml"
    # (a phrase the shipped rules do not hold: "we regret" became one of theirs in round 9)
    extra.write_text("[[rule]]\nname = \"apology\"\nmatch = ['''\\bmea culpa\\b''']\n", encoding="utf-8")
    rules = load_rules("en", extra=[extra])
    con = duckdb.connect()
    con.execute("CREATE TABLE transcript_turns AS SELECT * FROM (VALUES "
                "('x', 0, 'customer', 0.0, 5.0, 'my parcel never came and I waited in all day for it'), "
                "('x', 1, 'agent', 5.5, 8.0, 'mea culpa on the missed delivery.')) t(call_id, turn, speaker, start_s, end_s, text)")
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


def test_an_agreement_cites_the_first_of_the_turns_plan_questions():
    """Two plan questions in one turn: the stored evidence is the first sentence's, on every load
    (it was whichever the aggregate met first, so two loads of one file could differ)."""
    con = duckdb.connect()
    turns = _call(A("So I can refund the forty pounds today, does that work for you? Or shall I credit the account?"),
                  C("yes please"))
    con.register("cases", pd.DataFrame([{"call_id": "x", "turn": i, "speaker": s, "start_s": a, "end_s": b, "text": t}
                                        for i, (s, t, a, b) in enumerate(turns)]))
    con.execute("CREATE TABLE transcript_turns AS SELECT * FROM cases")
    seen = set()
    for threads in (1, 2, 4):
        con.execute(f"SET threads = {threads}")
        detect(con)
        seen.add(tuple(map(tuple, con.execute("SELECT * FROM transcript_practices ORDER BY ALL").fetchall())))
        agreed = con.execute("SELECT evidence FROM transcript_practices WHERE practice = 'agreement_obtained'").fetchall()
        assert agreed and "does that work" in agreed[0][0] and "shall i" not in agreed[0][0], agreed
    assert len(seen) == 1
    con.close()
