// Sluice reviewer console: live queue (polling), decisions without a page reload, keyboard shortcuts.
// Everything still works without this file (plain forms and links); nothing here builds HTML from strings
// except server-rendered fragments, which go through the one Trusted Types policy below.
(() => {
  'use strict';
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const csrf = $('meta[name="sluice-csrf"]')?.content ?? '';
  const tt = window.trustedTypes ? window.trustedTypes.createPolicy('sluice-fragment', { createHTML: (s) => s }) : { createHTML: (s) => s };

  function parse(text) {
    return new DOMParser().parseFromString(tt.createHTML(text), 'text/html');
  }

  function say(card, text, kind) {
    const out = $('.result', card);
    if (!out) return;
    out.textContent = text;
    out.className = `result ${kind}`;
  }

  // ----- time: age and time left tick every second -----
  function span(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${s % 60} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }
  function tick() {
    const now = Date.now();
    for (const el of $$('[data-since]')) el.textContent = span(now - Date.parse(el.dataset.since));
    for (const el of $$('[data-until]')) {
      const left = Date.parse(el.dataset.until) - now;
      el.textContent = left > 0 ? span(left) : 'expired';
    }
  }
  setInterval(tick, 1000);

  // ----- the live queue -----
  const queue = $('#queue[data-poll]');
  let failures = 0;
  let ended = false;
  async function refresh() {
    try {
      const res = await fetch(queue.dataset.poll, { credentials: 'same-origin', headers: { accept: 'text/html' }, cache: 'no-store' });
      if (res.status === 401 || res.redirected) {
        ended = true;
        $('#live').textContent = 'Your session ended: reload to sign in again.';
        return;
      }
      if (!res.ok) throw new Error(String(res.status));
      reconcile(parse(await res.text()));
      failures = 0;
      $('#live').textContent = `Live: updated ${new Date().toLocaleTimeString()}.`;
    } catch {
      failures++;
      $('#live').textContent = 'Live updates interrupted; retrying…';
    }
  }
  // One poll every 2 s, start to start (a slow answer shortens the wait rather than stretching the period).
  async function loop() {
    const t0 = Date.now();
    await refresh();
    if (!ended) setTimeout(loop, failures ? Math.min(10000, 2000 * failures) : Math.max(0, 2000 - (Date.now() - t0)));
  }

  function reconcile(doc) {
    const fresh = $('#queue', doc);
    if (!fresh) return;
    const next = new Map($$('.card[data-id]', fresh).map((c) => [c.dataset.id, c]));
    for (const card of $$('.card[data-id]', queue)) {
      if (next.delete(card.dataset.id) || card.classList.contains('gone')) continue;
      // Someone else decided (or it expired): never yank a card the reviewer is working on.
      if (card.contains(document.activeElement) || $$('textarea,input[type=text]', card).some((i) => i.value)) gone(card, 'No longer pending: another reviewer decided, or it expired.');
      else card.remove();
    }
    for (const n of next.values()) {
      const c = document.importNode(n, true);
      c.classList.add('new');
      queue.append(c);
    }
    const count = $$('.card[data-id]:not(.gone)', queue).length;
    $('.empty', queue)?.toggleAttribute('hidden', count > 0);
    for (const el of $$('[data-pending-count]')) el.textContent = count ? String(count) : '';
    tick();
  }

  function gone(card, text) {
    card.classList.add('gone');
    for (const b of $$('button', card)) b.disabled = true;
    say(card, text, 'warn');
  }

  // ----- decisions: post as JSON, show conflicts instead of overwriting -----
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('decide')) return;
    ev.preventDefault();
    const card = form.closest('.card');
    const data = new FormData(form);
    const body = { comment: String(data.get('comment') ?? '') };
    if (data.get('grantMinutes')) body.grantMinutes = Number(data.get('grantMinutes'));
    for (const b of $$('button', card)) b.disabled = true;
    let res;
    let out = {};
    try {
      res = await fetch(form.action, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-sluice-csrf': csrf }, body: JSON.stringify(body) });
      out = await res.json();
    } catch {
      for (const b of $$('button', card)) b.disabled = false;
      return say(card, 'Could not reach Sluice; nothing was decided.', 'bad');
    }
    if (res.ok) {
      card.classList.add('gone');
      say(card, `${out.approval.status === 'approved' ? 'Approved' : 'Denied'} by you.`, 'ok');
      return;
    }
    if (res.status === 409) {
      const a = out.approval;
      gone(card, a ? `Already ${a.status}${a.reviewer ? ` by ${a.reviewer}` : ''}${a.decidedAt ? ` at ${new Date(a.decidedAt).toLocaleTimeString()}` : ''}: your decision was not applied.` : out.error.message);
      return;
    }
    for (const b of $$('button', card)) b.disabled = card.classList.contains('own');
    say(card, out.error?.message ?? `Refused (${res.status}).`, 'bad');
  });

  // ----- keyboard: j/k move, a approve, d deny (comment first), o open, r refresh, ? help -----
  function cards() {
    return $$('.card[data-id]:not(.gone)');
  }
  function select(card) {
    for (const c of $$('.card.sel')) c.classList.remove('sel');
    if (!card) return;
    card.classList.add('sel');
    card.focus();
    card.scrollIntoView({ block: 'nearest' });
  }
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const typing = ev.target instanceof HTMLElement && ev.target.matches('input,textarea,select');
    if (typing) {
      if (ev.key === 'Escape') ev.target.blur();
      return;
    }
    const list = cards();
    const cur = $('.card.sel') ?? document.activeElement?.closest?.('.card');
    const i = list.indexOf(cur);
    switch (ev.key) {
      case 'j': select(list[Math.min(list.length - 1, i + 1)]); break;
      case 'k': select(list[Math.max(0, i - 1)]); break;
      case 'a': if (cur) $('form.decide[data-verb=approve] button', cur)?.click(); break;
      case 'd': if (cur) $('form.decide[data-verb=deny] textarea', cur)?.focus(); break;
      case 'o': if (cur) $('a.open', cur)?.click(); break;
      case 'r': if (queue) void refresh(); break;
      case '?': $('#keys')?.showModal(); break;
      default: return;
    }
    ev.preventDefault();
  });

  if (queue) setTimeout(loop, 2000);
  tick();
})();
