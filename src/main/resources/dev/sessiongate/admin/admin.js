// The admin page: signs in with the admin token (kept in this tab's sessionStorage), lists the
// sessions every 2 seconds, filters them by user and IP, and revokes them. Values are shown with
// textContent only, never as HTML.
(function () {
  'use strict';
  const base = location.pathname.replace(/\/[^/]*$/, '');   // .../admin
  let token = sessionStorage.getItem('sessiongate-admin-token');
  let timer = null;

  function api(method, path) {
    return fetch(base + path, { method: method, headers: { 'Authorization': 'Bearer ' + token } });
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
  }

  function time(iso) {
    return new Date(iso).toLocaleString();
  }

  async function refresh() {
    // The API filters by exact user and IP; the page searches by any part of them.
    const user = document.getElementById('search-user').value.trim().toLowerCase();
    const ip = document.getElementById('search-ip').value.trim();
    const response = await api('GET', '/sessions');
    if (response.status === 401) { signOut('The admin token was refused.'); return; }
    const sessions = (await response.json()).filter((s) =>
        s.user.toLowerCase().includes(user) && s.clientIp.includes(ip));
    const body = document.querySelector('#sessions tbody');
    body.replaceChildren();
    for (const s of sessions) {
      const row = document.createElement('tr');
      row.dataset.id = s.id;
      cell(row, s.id, 'id');
      cell(row, s.user);
      cell(row, s.clientIp);
      cell(row, time(s.createdAt));
      cell(row, time(s.lastAccessedAt));
      cell(row, time(s.expiresAt));
      cell(row, s.requests);
      cell(row, s.permanent ? 'yes' : '');
      cell(row, s.node);
      const action = document.createElement('td');
      const revoke = document.createElement('button');
      revoke.className = 'revoke';
      revoke.textContent = 'Revoke';
      revoke.addEventListener('click', async () => {
        await api('DELETE', '/sessions/' + encodeURIComponent(s.id));
        refresh();
      });
      action.appendChild(revoke);
      row.appendChild(action);
      body.appendChild(row);
    }
    document.getElementById('empty').hidden = sessions.length > 0;
    const stats = await (await api('GET', '/stats')).json();
    document.getElementById('stats').textContent = stats.sessions + ' sessions · ' + stats.hits + ' hits · '
        + stats.misses + ' misses · ' + stats.authFailures + ' failed logins · ' + stats.throttled + ' throttled';
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
    if (response.status !== 200) { signOut('The admin token was refused.'); return; }
    sessionStorage.setItem('sessiongate-admin-token', token);
    document.getElementById('signin').hidden = true;
    document.getElementById('sessions-view').hidden = false;
    await refresh();
    timer = setInterval(refresh, 2000);
  }

  document.getElementById('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(document.getElementById('token').value);
  });
  document.getElementById('search').addEventListener('input', refresh);
  document.getElementById('search').addEventListener('submit', (event) => event.preventDefault());
  if (token) { signIn(token); }
}());
