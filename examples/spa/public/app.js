// The example page: everything that needs the session goes through the Rotor client, which keeps the
// access token in memory and refreshes it (once for all calls and tabs) through the HttpOnly cookie.
import { createRotorClient } from '/rotor.js'

const rotor = createRotorClient()
const $ = (id) => document.getElementById(id)

function show (status, view) {
  $('status').textContent = status
  $('login').hidden = view !== 'login'
  $('account').hidden = view !== 'account'
}

async function json (response) {
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(body.message ?? `Rotor answered ${response.status}`)
  return body
}

function cell (row, text) {
  row.insertCell().textContent = text
}

async function showSessions () {
  const { sessions } = await json(await rotor.fetch('/auth/sessions'))
  const rows = sessions.map((session) => {
    const row = document.createElement('tr')
    row.dataset.sessionId = session.id
    cell(row, new Date(session.createdAt).toLocaleString())
    cell(row, new Date(session.lastUsedAt).toLocaleString())
    cell(row, session.ip)
    cell(row, session.userAgent)
    const action = row.insertCell()
    if (session.current) {
      action.textContent = 'this browser'
    } else {
      const revoke = document.createElement('button')
      revoke.textContent = 'Revoke'
      revoke.addEventListener('click', () => act(async () => {
        await json(await rotor.fetch(`/auth/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' }))
        await showSessions()
      }))
      action.append(revoke)
    }
    return row
  })
  $('sessions').replaceChildren(...rows)
}

async function showAccount () {
  const me = await json(await rotor.fetch('/api/me'))
  $('username').textContent = me.username
  show('Signed in.', 'account')
  await showSessions()
}

/** Runs a button's work, showing its error instead of losing it. */
async function act (work) {
  try {
    await work()
  } catch (error) {
    $('status').textContent = error.message
  }
}

function credentials () {
  const form = new FormData($('login'))
  return { username: String(form.get('username')), password: String(form.get('password')) }
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault()
  const { username, password } = credentials()
  act(async () => {
    await rotor.login(username, password)
    await showAccount()
  })
})

$('register').addEventListener('click', () => act(async () => {
  if (!$('login').reportValidity()) return
  await json(await fetch('/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials())
  }))
  $('status').textContent = 'Registered: now log in.'
}))

$('reload-sessions').addEventListener('click', () => act(showSessions))
$('logout').addEventListener('click', () => act(() => rotor.logout()))
$('logout-all').addEventListener('click', () => act(() => rotor.logoutAll()))

// Every tab hears of the end, whichever tab (or browser) caused it.
rotor.onSessionEnd((reason) => {
  show(`Signed out (${reason}).`, 'login')
  $('sessions').replaceChildren()
})

// A reload, or a new tab: the cookie brings the session back with one refresh.
act(async () => {
  if (await rotor.getAccessToken() === null) show('Not signed in.', 'login')
  else await showAccount()
})
