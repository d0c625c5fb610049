/* krj dashboard: progressive enhancement of the server-rendered page.
 *
 * The markup is dashboard/MARKUP.md.  Everything here works on the rows the
 * server sent: click-to-sort (ascending, descending, original order) from
 * the precomputed ranks in each row's data-r, the week x Long/Neutral/Short
 * filter, the ticker search as you type, the summary card and the "x of y
 * rows" count following them, the column chooser (remembered in
 * localStorage), the print dialog.  The URL follows the state
 * (history.replaceState) with the server's own query parameters, so a
 * reload without JavaScript shows the same view.  When a change needs rows
 * the page does not hold (the server filtered or paged it), the browser
 * loads the new view from the server instead.
 *
 * No framework, no build step, no eval, no inline style: CSP-clean.
 */
(function () {
  'use strict';

  var d = document;
  var de = d.documentElement;
  var SIG = ['Long', 'Neutral', 'Short'];
  var WEEKS = ['signal', 'prior', 'either'];
  var HIDDEN_KEY = 'krj.hidden';  // localStorage: hidden column names
  var CARRY_KEY = 'krj.carry';    // sessionStorage: search text to restore
  var PRINT_KEY = 'krj.print';    // sessionStorage: print on arrival

  de.classList.add('js');

  function $(sel, root) { return (root || d).querySelector(sel); }
  function $$(sel, root) {
    return Array.prototype.slice.call((root || d).querySelectorAll(sel));
  }

  function store(kind) {
    try {
      var s = window[kind];
      s.getItem('x');
      return s;
    } catch (e) {
      return null;
    }
  }
  var local = store('localStorage');
  var session = store('sessionStorage');

  /* application/x-www-form-urlencoded, as the server reads it */
  function parseQuery(search) {
    var out = [];
    search.replace(/^\?/, '').split('&').forEach(function (part) {
      if (!part) { return; }
      var i = part.indexOf('=');
      var k = i < 0 ? part : part.slice(0, i);
      var v = i < 0 ? '' : part.slice(i + 1);
      try {
        k = decodeURIComponent(k.replace(/\+/g, ' '));
        v = decodeURIComponent(v.replace(/\+/g, ' '));
      } catch (e) {
        return;
      }
      out.push([k, v]);
    });
    return out;
  }

  function items(v) {
    return v.split(',').map(function (s) { return s.trim(); })
      .filter(function (s) { return s !== ''; });
  }

  /* encodeURIComponent plus !'()*, keeping ',' (MARKUP.md canonical) */
  function enc(v) {
    return encodeURIComponent(v).replace(/%2C/g, ',')
      .replace(/[!'()*]/g, function (c) {
        return '%' + c.charCodeAt(0).toString(16).toUpperCase();
      });
  }

  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function signed(n) { return n > 0 ? '+' + n : String(n); }

  function initPage(table, form) {
    var thead = table.tHead.rows[0];
    var ths = Array.prototype.slice.call(thead.cells);
    var names = ths.map(function (th) { return th.getAttribute('data-c'); });
    var w = parseInt(table.getAttribute('data-w'), 10) || 1;
    var total = parseInt(table.getAttribute('data-n'), 10) || 0;
    var EMPTY = Math.pow(36, w) - 1;
    var tbody = table.tBodies[0];
    var ti = names.indexOf('ticker');
    var si = names.indexOf('signal');
    var pi = names.indexOf('signal_status_prior_week');
    var path = location.pathname;
    var search = $('input[name=ticker]', form);
    var cnt = $('.cnt');
    var sum = $('.sum');
    var so = $('.so');
    var none = $('.nr');
    var reset = $('.rc', form);
    var labels = ths.map(function (th) { return th.textContent; });

    var rows = Array.prototype.slice.call(tbody.rows).map(function (tr) {
      var r = tr.getAttribute('data-r') || '';
      var cell = tr.cells[ti];
      return {
        tr: tr,
        r: r,
        i: parseInt(r.substr(0, w), 36),
        sig: si >= 0 ? tr.cells[si].textContent : '',
        pri: pi >= 0 ? tr.cells[pi].textContent : '',
        ch: tr.classList.contains('ch'),
        raw: (cell.getAttribute('title') || cell.textContent).toUpperCase(),
        shown: cell.textContent.toUpperCase()
      };
    });
    rows.sort(function (a, b) { return a.i - b.i; });

    function rank(row, j) {
      return parseInt(row.r.substr((j + 1) * w, w), 36);
    }

    /* the state in the URL the server rendered */
    function fromUrl(search) {
      var s = {q: '', tick: [], sort: null, changed: null, limit: null,
               offset: null, fields: null};
      WEEKS.forEach(function (k) { s[k] = []; });
      parseQuery(search).forEach(function (kv) {
        var k = kv[0];
        var v = kv[1];
        if (v.trim() === '') { return; }
        if (k === 'ticker') {
          s.tick = items(v);
          s.q = s.tick.join(',');
        } else if (WEEKS.indexOf(k) >= 0) {
          items(v).forEach(function (x) {
            x = x.charAt(0).toUpperCase() + x.slice(1).toLowerCase();
            if (SIG.indexOf(x) >= 0 && s[k].indexOf(x) < 0) { s[k].push(x); }
          });
        } else if (k === 'changed') {
          s.changed = (v === '1' || v === 'true') ? '1' : '0';
        } else if (k === 'sort') {
          var desc = v.charAt(0) === '-';
          s.sort = {c: desc ? v.slice(1) : v, desc: desc};
        } else if (k === 'fields') {
          s.fields = (s.fields || []).concat(items(v));
        } else if (k === 'limit') {
          s.limit = v;
        } else if (k === 'offset') {
          s.offset = v;
        }
      });
      return s;
    }

    var s0 = fromUrl(location.search);
    var paged = s0.limit !== null || s0.offset !== null;
    var st = fromUrl(location.search);
    st.hidden = {};
    if (st.fields) {
      names.forEach(function (n) {
        if (n !== 'ticker' && st.fields.indexOf(n) < 0) { st.hidden[n] = 1; }
      });
    } else if (local) {
      try {
        (JSON.parse(local.getItem(HIDDEN_KEY) || '[]') || [])
          .forEach(function (n) {
            if (n !== 'ticker' && names.indexOf(n) >= 0) { st.hidden[n] = 1; }
          });
      } catch (e) {
        local.removeItem(HIDDEN_KEY);
      }
    }

    function queryItems(q) {
      return items(q).map(function (x) { return x.toUpperCase(); });
    }

    function tickerMatch(row, its) {
      for (var k = 0; k < its.length; k++) {
        if (row.raw.lastIndexOf(its[k], 0) === 0 ||
            row.shown.lastIndexOf(its[k], 0) === 0) {
          return true;
        }
      }
      return false;
    }

    function match(row, s, its) {
      if (its.length && !tickerMatch(row, its)) { return false; }
      if (s.signal.length && s.signal.indexOf(row.sig) < 0) { return false; }
      if (s.prior.length && s.prior.indexOf(row.pri) < 0) { return false; }
      if (s.either.length && s.either.indexOf(row.sig) < 0 &&
          s.either.indexOf(row.pri) < 0) {
        return false;
      }
      if (s.changed !== null && row.ch !== (s.changed === '1')) {
        return false;
      }
      return true;
    }

    /* the exact tickers the search items stand for (MARKUP.md) */
    function resolved(s) {
      var its = queryItems(s.q);
      if (!its.length) { return []; }
      var out = [];
      var seen = {};
      rows.forEach(function (row) {
        if (tickerMatch(row, its)) {
          var t = row.tr.cells[ti].getAttribute('title') ||
            row.tr.cells[ti].textContent;
          if (!seen[t]) {
            seen[t] = 1;
            out.push(t);
          }
        }
      });
      return out.length ? out : items(s.q);
    }

    function visibleNames(withTicker) {
      return names.filter(function (n) {
        return !st.hidden[n] && (withTicker || n !== 'ticker');
      });
    }

    function anyHidden() {
      return names.some(function (n) { return st.hidden[n]; });
    }

    /* MARKUP.md "Canonical query" */
    function canonical(s, opt) {
      opt = opt || {};
      var q = [];
      if (s.q && !opt.noTicker) {
        q.push(['ticker', resolved(s).join(',')]);
      }
      WEEKS.forEach(function (k) {
        var v = SIG.filter(function (x) { return s[k].indexOf(x) >= 0; });
        if (v.length) { q.push([k, v.join(',')]); }
      });
      if (s.changed !== null) { q.push(['changed', s.changed]); }
      if (s.sort) { q.push(['sort', (s.sort.desc ? '-' : '') + s.sort.c]); }
      if (anyHidden()) { q.push(['fields', visibleNames(opt.api).join(',')]); }
      if (s.limit !== null) { q.push(['limit', s.limit]); }
      if (s.offset !== null) { q.push(['offset', s.offset]); }
      return q.map(function (kv) { return kv[0] + '=' + enc(kv[1]); })
        .join('&');
    }

    function url(base, query) { return base + (query ? '?' + query : ''); }

    function copy(s) {
      var c = {};
      Object.keys(s).forEach(function (k) {
        c[k] = Array.isArray(s[k]) ? s[k].slice() : s[k];
      });
      c.sort = s.sort ? {c: s.sort.c, desc: s.sort.desc} : null;
      return c;
    }

    /* can the rows of this page show state s, or must the server? */
    function local_ok(s) {
      if (paged) { return false; }
      if (s0.q && s.q !== s0.q) { return false; }
      for (var k = 0; k < WEEKS.length; k++) {
        var p = WEEKS[k];
        if (s0[p].length) {
          if (!s[p].length) { return false; }
          for (var m = 0; m < s[p].length; m++) {
            if (s0[p].indexOf(s[p][m]) < 0) { return false; }
          }
        }
      }
      if (s0.changed !== null && s.changed !== s0.changed) { return false; }
      return true;
    }

    function navigate(s) {
      var n = copy(s);
      n.offset = null;
      if (n.q && session) {
        session.setItem(CARRY_KEY, JSON.stringify({p: path, q: n.q}));
        location.assign(url(path, canonical(n, {noTicker: true})));
      } else {
        location.assign(url(path, canonical(n)));
      }
    }

    function change(s) {
      if (local_ok(s)) {
        st = s;
        render();
      } else {
        navigate(s);
      }
    }

    function summaryCard(list) {
      var c = {Long: 0, Neutral: 0, Short: 0};
      var p = {Long: 0, Neutral: 0, Short: 0};
      list.forEach(function (row) {
        if (c.hasOwnProperty(row.sig)) { c[row.sig]++; }
        if (p.hasOwnProperty(row.pri)) { p[row.pri]++; }
      });
      var tot = c.Long + c.Neutral + c.Short;
      var kids = [];
      [['L', 'Long', 'l'], ['N', 'Neutral', ''], ['S', 'Short', 's']]
        .forEach(function (x, k) {
          var delta = c[x[1]] - p[x[1]];
          if (k) { kids.push(d.createTextNode(' | ')); }
          kids.push(el('b', x[2], x[0] + ':' + c[x[1]]));
          kids.push(el('i', delta > 0 ? 'up' : delta < 0 ? 'dn' : '',
                       '(' + signed(delta) + ')'));
        });
      kids.push(d.createTextNode(' | '));
      kids.push(el('b', '', 'Tot:' + tot));
      if (list.length !== tot) {
        kids.push(d.createTextNode(' (' + list.length + ' tickers)'));
      }
      sum.replaceChildren.apply(sum, kids);
    }

    function nextSort(name) {
      if (st.sort && st.sort.c === name) {
        return st.sort.desc ? null : {c: name, desc: true};
      }
      return {c: name, desc: false};
    }

    function render() {
      var its = queryItems(st.q);
      var list = rows.filter(function (row) { return match(row, st, its); });
      if (st.sort) {
        var j = names.indexOf(st.sort.c);
        var desc = st.sort.desc;
        list.sort(function (a, b) {
          var x = rank(a, j);
          var y = rank(b, j);
          if (x !== y) {
            if (x === EMPTY) { return 1; }
            if (y === EMPTY) { return -1; }
            return desc ? y - x : x - y;
          }
          return a.i - b.i;
        });
      }
      var frag = d.createDocumentFragment();
      list.forEach(function (row) { frag.appendChild(row.tr); });
      tbody.replaceChildren(frag);

      if (cnt) { cnt.textContent = list.length + ' of ' + total + ' rows'; }
      if (sum) { summaryCard(list); }
      if (none) { none.hidden = list.length > 0; }

      ths.forEach(function (th, k) {
        var name = names[k];
        if (st.sort && st.sort.c === name) {
          th.setAttribute('aria-sort', st.sort.desc ? 'descending'
                                                    : 'ascending');
        } else {
          th.removeAttribute('aria-sort');
        }
        var n = copy(st);
        n.sort = nextSort(name);
        n.offset = null;
        var a = $('a', th);
        if (a) { a.setAttribute('href', url(path, canonical(n))); }
      });

      if (so) {
        if (st.sort) {
          var off = copy(st);
          off.sort = null;
          off.offset = null;
          var x = el('a', '', '\u2715');
          x.setAttribute('href', url(path, canonical(off)));
          x.setAttribute('aria-label', 'Original order');
          so.replaceChildren(
            d.createTextNode('Sort: ' + labels[names.indexOf(st.sort.c)] +
                             ' ' + (st.sort.desc ? '\u2193' : '\u2191') + ' '),
            x);
          so.hidden = false;
        } else {
          so.replaceChildren();
          so.hidden = true;
        }
      }

      names.forEach(function (n, k) {
        if (k > 0) { table.classList.toggle('h' + k, !!st.hidden[n]); }
      });
      $$('input[name=fields]', form).forEach(function (cb) {
        cb.checked = !st.hidden[cb.value];
      });
      if (reset) {
        var r = copy(st);
        var saved = st.hidden;
        st.hidden = {};
        reset.setAttribute('href', url(path, canonical(r)));
        st.hidden = saved;
        reset.hidden = !anyHidden();
      }

      var api = canonical(st, {api: true});
      $$('a[download]').forEach(function (a) {
        var base = a.getAttribute('href').split('?')[0];
        a.setAttribute('href', url(base, api));
      });
      printFields();

      var want = url(path, canonical(st));
      if (want !== location.pathname + location.search) {
        history.replaceState(null, '', want);
      }
    }

    function printFields() {
      var pf = $('form[action$="/print"]');
      if (!pf) { return; }
      var hid = $('input[name=fields]', pf);
      var one = $('a[data-one]', pf);
      var base = one ? one.getAttribute('href').split('?')[0] : '';
      if (anyHidden()) {
        if (!hid) {
          hid = el('input');
          hid.type = 'hidden';
          hid.name = 'fields';
          pf.appendChild(hid);
        }
        hid.value = visibleNames(true).join(',');
        if (one) { one.setAttribute('href', base + '?ls=1&fields=' + enc(hid.value)); }
      } else {
        if (hid) { hid.parentNode.removeChild(hid); }
        if (one) { one.setAttribute('href', base + '?ls=1'); }
      }
    }

    function saveHidden() {
      if (!local) { return; }
      var h = names.filter(function (n) { return st.hidden[n]; });
      if (h.length) {
        local.setItem(HIDDEN_KEY, JSON.stringify(h));
      } else {
        local.removeItem(HIDDEN_KEY);
      }
    }

    /* events */

    thead.addEventListener('click', function (ev) {
      var a = ev.target.closest('a');
      if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) {
        return;
      }
      ev.preventDefault();
      var n = copy(st);
      n.sort = nextSort(a.parentNode.getAttribute('data-c'));
      change(n);
      var again = $('a', ths[names.indexOf(a.parentNode.getAttribute('data-c'))]);
      if (again) { again.focus(); }
    });

    if (so) {
      so.addEventListener('click', function (ev) {
        if (!ev.target.closest('a')) { return; }
        ev.preventDefault();
        var n = copy(st);
        n.sort = null;
        change(n);
      });
    }

    form.addEventListener('change', function (ev) {
      var t = ev.target;
      var n;
      if (t.name === 'fields') {
        if (t.checked) {
          delete st.hidden[t.value];
        } else {
          st.hidden[t.value] = 1;
        }
        saveHidden();
        render();
      } else if (WEEKS.indexOf(t.name) >= 0) {
        n = copy(st);
        n[t.name] = $$('input[name=' + t.name + ']:checked', form)
          .map(function (cb) { return cb.value; });
        change(n);
      } else if (t.name === 'changed') {
        n = copy(st);
        n.changed = t.checked ? '1' : null;
        change(n);
      }
    });

    var timer = null;
    if (search) {
      search.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var n = copy(st);
          n.q = search.value.trim();
          if (n.q !== st.q) { change(n); }
        }, 120);
      });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      var n = copy(st);
      if (search) { n.q = search.value.trim(); }
      change(n);
    });

    if (reset) {
      reset.addEventListener('click', function (ev) {
        ev.preventDefault();
        st.hidden = {};
        saveHidden();
        render();
        var sm = $('.cc summary', form);
        if (sm) { sm.focus(); }
      });
    }

    /* a search carried over a navigation */
    if (session) {
      var carry = null;
      try {
        carry = JSON.parse(session.getItem(CARRY_KEY) || 'null');
      } catch (e) {
        carry = null;
      }
      session.removeItem(CARRY_KEY);
      if (carry && carry.p === path && search && !s0.q) {
        search.value = carry.q;
        st.q = carry.q;
        search.focus();
        search.setSelectionRange(carry.q.length, carry.q.length);
      }
    }

    render();
  }

  /* dropdowns: Escape closes, a click outside closes */
  function initDropdowns() {
    d.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Escape') { return; }
      $$('details[open]').forEach(function (det) {
        det.open = false;
        var sm = $('summary', det);
        if (sm && det.contains(d.activeElement)) { sm.focus(); }
      });
    });
    d.addEventListener('click', function (ev) {
      $$('details.cc[open]').forEach(function (det) {
        if (!det.contains(ev.target)) { det.open = false; }
      });
    });
  }

  /* the print dialog of the original, over the no-JS <details> form */
  function initPrintDialog(det) {
    var pform = $('form', det);
    var summary = $('summary', det);
    if (!pform || !summary || typeof d.createElement('dialog').showModal
        !== 'function') {
      return;
    }
    var dlg = el('dialog', 'pdlg');
    dlg.setAttribute('aria-labelledby', 'pdh');
    dlg.appendChild(pform);
    d.body.appendChild(dlg);
    var current = location.pathname.split('/').pop();

    summary.addEventListener('click', function (ev) {
      ev.preventDefault();
      dlg.showModal();
      var first = $('input', pform);
      if (first) { first.focus(); }
    });
    dlg.addEventListener('close', function () { summary.focus(); });

    function groups() { return $$('input[name=groups]', pform); }

    pform.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-g], button[data-x], a[data-one]');
      if (!b) { return; }
      if (b.hasAttribute('data-x')) {
        dlg.close();
      } else if (b.hasAttribute('data-one')) {
        if (session) { session.setItem(PRINT_KEY, '1'); }
      } else {
        var all = b.getAttribute('data-g') === 'all';
        groups().forEach(function (cb) {
          cb.checked = all || cb.value === current;
        });
      }
    });

    pform.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var g = groups().filter(function (cb) { return cb.checked; })
        .map(function (cb) { return cb.value; });
      if (!g.length) { g = [current]; }
      var q = ['groups=' + enc(g.join(','))];
      var ls = $('input[name=ls]', pform);
      if (ls && ls.checked) { q.push('ls=1'); }
      var f = $('input[name=fields]', pform);
      if (f && f.value) { q.push('fields=' + enc(f.value)); }
      if (session) { session.setItem(PRINT_KEY, '1'); }
      location.assign(pform.getAttribute('action') + '?' + q.join('&'));
    });
  }

  /* the print view: its Print button, and printing on arrival */
  function initPrintView() {
    var b = $('button[data-p]');
    if (b) {
      b.addEventListener('click', function () { window.print(); });
    }
    if (session && session.getItem(PRINT_KEY)) {
      session.removeItem(PRINT_KEY);
      setTimeout(function () { window.print(); }, 100);
    }
  }

  function init() {
    var table = $('main table.t');
    var form = $('form.tb');
    if (table && form) { initPage(table, form); }
    var det = $('details.pd');
    if (det) { initPrintDialog(det); }
    initDropdowns();
    if (d.body.classList.contains('pv')) { initPrintView(); }
  }

  if (d.readyState === 'loading') {
    d.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
