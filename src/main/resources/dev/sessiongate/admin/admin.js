// The admin page: signs in with the admin token (kept in this tab's sessionStorage), shows one
// page of sessions at a time and refreshes it every 2 seconds, searches by any part of the user
// or client IP, and revokes. The server searches and pages (GET /admin/sessions?q=&limit=&offset=),
// so a refresh costs the same with ten sessions or a million. Values are shown with textContent
// only, never as HTML.
(function () {
  'use strict';
  const base = location.pathname.replace(/\/[^/]*$/, '');   // .../admin
  const PAGE = 50;
  let token = sessionStorage.getItem('sessiongate-admin-token');
  let timer = null;
  let offset = 0;
  let latest = 0;   // answers of a refresh overtaken by a newer one are dropped

  function api(method, path) {
    return fetch(base + path, { method: method, headers: { 'Authorization': 'Bearer ' + token } });
  }

  function text(value) {
    return value === null || value === undefined ? '' : String(value);
  }

  function time(iso) {
    return new Date(iso).toLocaleString();
  }

  function values(s) {
    return [s.id, s.user, s.clientIp, time(s.createdAt), time(s.lastAccessedAt), time(s.expiresAt), s.requests,
      s.permanent ? 'yes' : '', s.node];
  }

  function row(s) {
    const tr = document.createElement('tr');
    tr.dataset.id = s.id;
    for (const value of values(s)) {
      const td = document.createElement('td');
      td.textContent = text(value);
      tr.appendChild(td);
    }
    tr.firstChild.className = 'id';
    const action = document.createElement('td');
    const revoke = document.createElement('button');
    revoke.className = 'revoke';
    revoke.textContent = 'Revoke';
    revoke.addEventListener('click', async () => {
      await api('DELETE', '/sessions/' + encodeURIComponent(s.id));
      refresh();
    });
    action.appendChild(revoke);
    tr.appendChild(action);
    return tr;
  }

  // Rows of sessions already shown are updated in place, not made anew: a button stays the same
  // button across refreshes, under the pointer and for anything that holds it.
  function render(sessions) {
    const body = document.querySelector('#sessions tbody');
    const shown = new Map();
    for (const tr of body.children) { shown.set(tr.dataset.id, tr); }
    body.replaceChildren(...sessions.map((s) => {
      const tr = shown.get(s.id);
      if (!tr) { return row(s); }
      values(s).forEach((value, i) => { tr.children[i].textContent = text(value); });
      return tr;
    }));
  }

  // Whether the answer is usable; says why not where the user can see it.
  function usable(response) {
    const error = document.getElementById('error');
    if (response.status === 401) { signOut('The admin token was refused.'); return false; }
    if (response.status === 429) {
      error.textContent = 'Too many wrong admin tokens from this address; try again in '
          + response.headers.get('Retry-After') + ' s.';
      return false;
    }
    error.textContent = response.ok ? '' : 'The server answered ' + response.status + '.';
    return response.ok;
  }

  async function refresh() {
    const mine = ++latest;
    const text = document.getElementById('search-text').value.trim();
    const query = '?limit=' + PAGE + '&offset=' + offset + (text ? '&q=' + encodeURIComponent(text) : '');
    const response = await api('GET', '/sessions' + query);
    if (mine !== latest || !usable(response)) { return; }
    const page = await response.json();
    if (mine !== latest) { return; }
    if (page.sessions.length === 0 && offset > 0) {
      // The page emptied (sessions ended or were revoked): go to the last one that has any.
      offset = Math.max(0, Math.floor((page.total - 1) / PAGE) * PAGE);
      refresh();
      return;
    }
    render(page.sessions);
    document.getElementById('empty').hidden = page.sessions.length > 0;
    document.getElementById('range').textContent = page.total === 0 ? ''
        : (offset + 1) + '–' + (offset + page.sessions.length) + ' of ' + page.total;
    document.getElementById('previous').disabled = offset === 0;
    document.getElementById('next').disabled = offset + PAGE >= page.total;
    const stats = await api('GET', '/stats');
    if (mine !== latest || !usable(stats)) { return; }
    const counts = await stats.json();
    document.getElementById('stats').textContent = counts.sessions + ' sessions · ' + counts.hits + ' hits · '
        + counts.misses + ' misses · ' + counts.authFailures + ' failed logins · ' + counts.throttled + ' throttled';
  }

  function signOut(message) {
    token = null;
    sessionStorage.removeItem('sessiongate-admin-token');
    clearInterval(timer);
    document.getElementById('sessions-view').hidden = true;
    document.getElementById('signin').hidden = false;
    document.getElementById('signin-error').textContent = message || '';
  }

  async function signIn(candidate) {
    token = candidate;
    const response = await api('GET', '/stats');
    if (response.status !== 200) {
      signOut(response.status === 429 ? 'Too many wrong admin tokens from this address; try again in '
          + response.headers.get('Retry-After') + ' s.' : 'The admin token was refused.');
      return;
    }
    sessionStorage.setItem('sessiongate-admin-token', token);
    document.getElementById('signin').hidden = true;
    document.getElementById('sessions-view').hidden = false;
    await refresh();
    timer = setInterval(refresh, 2000);
  }

  function turn(by) {
    offset = Math.max(0, offset + by);
    refresh();
  }

  document.getElementById('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(document.getElementById('token').value);
  });
  document.getElementById('search').addEventListener('input', () => { offset = 0; refresh(); });
  document.getElementById('search').addEventListener('submit', (event) => event.preventDefault());
  document.getElementById('previous').addEventListener('click', () => turn(-PAGE));
  document.getElementById('next').addEventListener('click', () => turn(PAGE));
  if (token) { signIn(token); }
}());
