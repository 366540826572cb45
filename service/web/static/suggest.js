/* Completions under the search box as you type: a progressive enhancement.
 *
 * Without this script the box is a plain search field and the page works the same. With
 * it, every input[data-suggest] becomes an ARIA 1.2 combobox (role, aria-expanded,
 * aria-controls, aria-activedescendant) whose listbox is filled from /api/suggest:
 * debounced, stale requests aborted; arrow keys move, Enter chooses, Escape closes.
 * A completed query is searched; an article title (after the completions) is opened.
 * Data only ever enters the page through textContent, never as markup.
 */
(function () {
  "use strict";

  var DELAY_MS = 150; // wait for a pause in the typing before asking
  var MIN_LETTERS = 2; // the API completes a word from its second letter
  var MAX_LENGTH = 100; // the API refuses longer text (400)

  function lastWord(text) {
    var words = text.split(/\s+/);
    return words[words.length - 1];
  }

  function setUp(input) {
    var url = input.getAttribute("data-suggest");
    var documents = input.getAttribute("data-documents");
    var form = input.form;
    var combo = document.createElement("div");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = 0;
    var controller = null;
    var options = [];
    var active = -1;

    combo.className = "combo";
    input.parentNode.insertBefore(combo, input);
    combo.appendChild(input);
    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    combo.appendChild(list);
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    combo.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      highlight(-1);
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[index].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var target = options[index].getAttribute("data-href");
      if (target) {
        close();
        window.location.assign(target);
        return;
      }
      input.value = options[index].textContent;
      close();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function articleUrl(id) {
      // ids are corpus paths ("dossier/a.txt", "news.jsonl#n1"): keep the slashes
      return documents + id.split("/").map(encodeURIComponent).join("/");
    }

    function option(entry, index) {
      var item = document.createElement("li");
      var text = typeof entry === "string" ? entry : entry.title;
      item.id = list.id + "-" + index;
      item.className = "suggestion-option";
      if (typeof entry !== "string") {
        item.className += " suggestion-title";
        item.setAttribute("data-href", articleUrl(entry.id));
      }
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = text;
      // mousedown would blur the box (and close the list) before the click lands
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
      });
      item.addEventListener("click", function () {
        choose(index);
      });
      return item;
    }

    function show(suggestions, titles, typed) {
      var shown = suggestions.filter(function (text) {
        return text !== typed;
      });
      if (documents) {
        shown = shown.concat(
          titles.filter(function (entry) {
            return entry && typeof entry.id === "string" && typeof entry.title === "string";
          })
        );
      }
      highlight(-1);
      options = shown.map(option);
      list.replaceChildren.apply(list, options);
      if (!options.length) {
        close();
        status.textContent = "";
        return;
      }
      open();
      status.textContent =
        options.length +
        (options.length > 1 ? " suggestions" : " suggestion") +
        " : flèches haut et bas pour choisir, Entrée pour chercher ou ouvrir l'article.";
    }

    function ask(typed) {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var query = new URLSearchParams({ q: typed });
      fetch(url + "?" + query.toString(), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (input.value !== typed) {
            return; // typed on since: a newer request is on its way
          }
          var words = body && Array.isArray(body.suggestions) ? body.suggestions : [];
          var titles = body && Array.isArray(body.titles) ? body.titles : [];
          show(words, titles, typed);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            close();
          }
        });
    }

    input.addEventListener("input", function () {
      var typed = input.value;
      clearTimeout(timer);
      if (typed.length > MAX_LENGTH || lastWord(typed).length < MIN_LETTERS) {
        if (controller) {
          controller.abort();
        }
        close();
        return;
      }
      timer = setTimeout(function () {
        ask(typed);
      }, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = options.length;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
        event.preventDefault();
        if (list.hidden) {
          open();
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var start = active < 0 ? (step > 0 ? -1 : count) : active;
        highlight((start + step + count) % count);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault(); // keep the text: a search box would clear it
        close();
      }
    });

    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest]").forEach(setUp);
})();
