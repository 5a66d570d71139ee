"""The chat line: questions wait with their place shown, a full line answers "busy" at once, places move up."""
import threading

from assistant.app.handlers import AssistantFactory, chat_turn
from assistant.app.line import ChatLine


def test_places_move_up_and_a_full_line_refuses():
    line = ChatLine(slots=1, max_waiting=2)
    first = line.join()
    assert list(line.wait(first)) == []  # a free slot: admitted at once
    second, third = line.join(), line.join()
    assert line.join() is None  # two wait already
    waiting_second, waiting_third = line.wait(second), line.wait(third)
    assert next(waiting_second) == 1 and next(waiting_third) == 2
    line.leave()
    assert list(waiting_second) == []  # the slot went to the first in line
    assert next(waiting_third) == 1
    waiting_third.close()  # the browser left: its place is given up
    assert line.waiting() == 0 and line.join() is not None


def test_waiting_is_woken_when_a_slot_frees():
    line = ChatLine(slots=1, max_waiting=4)
    list(line.wait(line.join()))
    waiter = line.wait(line.join())
    assert next(waiter) == 1
    admitted = threading.Event()
    worker = threading.Thread(target=lambda: (list(waiter), admitted.set()))
    worker.start()
    line.leave()
    worker.join(timeout=10)
    assert admitted.is_set()


def test_chat_shows_its_place_then_answers_and_a_full_line_says_busy(small_tools):
    factory = AssistantFactory("none")
    factory.line = ChatLine(slots=1, max_waiting=1)
    list(factory.line.wait(factory.line.join()))  # another user's question is being answered
    turn = chat_turn("What does MLH1 do?", [], None, None, factory)
    next(turn)  # the question is shown
    history, _, _, _ = next(turn)
    assert history[-1]["content"] == "⏳ Waiting for the assistant: your question is number 1 in line."

    busy = list(chat_turn("What does MSH2 do?", [], None, None, factory))
    history, box, _, _ = busy[-1]
    assert len(busy) == 1
    assert history[-1]["content"].startswith("The assistant is busy: its line of waiting questions is full (1)")
    assert box == "What does MSH2 do?"  # kept in the box, to send again

    factory.line.leave()  # the other answer is done
    history, _, _, _ = list(turn)[-1]
    assert "MLH1" in history[-1]["content"] and "Waiting" not in history[-1]["content"]
    assert factory.line.waiting() == 0 and factory.line.join() is not None
