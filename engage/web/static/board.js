// The projected board: notes arrive by server-sent events. EventSource reconnects by itself and sends the id of
// the last event it received, so the server replays from there; events already shown are skipped by id.
(function () {
  var board = document.getElementById("board");
  if (!board) return;
  var status = document.getElementById("board-status");
  var last = 0;
  var cards = {};
  var count = 0;

  function column(promptId) {
    var section = board.querySelector('[data-prompt="' + promptId + '"] .board-notes');
    return section || board.querySelector(".board-notes");
  }

  function render(card) {
    var data = card.data;
    card.el.querySelector(".note-text").textContent = data.text;
    var group = card.el.querySelector(".note-group");
    group.textContent = data.group || "";
    group.hidden = !data.group;
    card.el.classList.toggle("duplicate", Boolean(data.duplicate_of));
    var dup = card.el.querySelector(".note-duplicate");
    dup.textContent = data.duplicate_of && cards[data.duplicate_of] ? "duplicate of #" + cards[data.duplicate_of].number : "";
  }

  var handlers = {
    note: function (data) {
      if (cards[data.id]) return;
      count += 1;
      var el = document.createElement("li");
      el.className = "board-note";
      el.tabIndex = 0;
      el.dataset.id = data.id;
      el.innerHTML = '<span class="note-number"></span> <span class="note-text"></span> ' +
        '<span class="theme-chip note-group" hidden></span> <span class="hint note-duplicate"></span>';
      el.querySelector(".note-number").textContent = "#" + count;
      cards[data.id] = { el: el, data: data, number: count };
      column(data.prompt_id).appendChild(el);
      render(cards[data.id]);
      status.textContent = "New note: " + data.text;
    },
    moved: function (data) {
      var card = cards[data.id];
      if (!card) return;
      card.data.prompt_id = data.prompt_id;
      column(data.prompt_id).appendChild(card.el);
    },
    grouped: function (data) {
      var card = cards[data.id];
      if (!card) return;
      card.data.group = data.group;
      render(card);
    },
    merged: function (data) {
      var card = cards[data.id];
      if (!card) return;
      card.data.duplicate_of = data.duplicate_of;
      render(card);
    },
    closed: function () {
      var join = document.querySelector(".join");
      if (join) join.textContent = "The session is closed. Thank you, everyone.";
    },
  };

  var source = new EventSource(board.dataset.events);
  Object.keys(handlers).forEach(function (kind) {
    source.addEventListener(kind, function (event) {
      var id = Number(event.lastEventId);
      if (id && id <= last) return;
      if (id) last = id;
      handlers[kind](JSON.parse(event.data));
      board.dataset.lastEvent = String(last);
      board.dataset.notes = String(count);
    });
  });
})();
