// docker-compose.yml's TRUST_PROXY default is an address the server accepts, and it is the gateway
// of the compose file's own fixed network: the address Docker delivers the host's reverse proxy
// connections from (a hop count would trust no proxy at all, and every client would share one IP).
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { BlockList } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { REPO_ROOT } from '../helpers/server-process.js'

const compose = await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')

t.test('the compose default for TRUST_PROXY is the gateway of the compose network', async (t) => {
  const fallback = /TRUST_PROXY: \$\{TRUST_PROXY:-([^}]+)\}/.exec(compose)?.[1]
  t.ok(fallback, 'TRUST_PROXY has a default')
  const config = loadConfig({ TRUST_PROXY: fallback as string })
  t.equal(config.trustProxy, fallback, 'the server accepts it')
  const subnet = /subnet: (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(compose)
  const gateway = /gateway: (\d+\.\d+\.\d+\.\d+)/.exec(compose)?.[1]
  t.ok(subnet, 'the network has a fixed subnet')
  t.equal(fallback, gateway, 'TRUST_PROXY names the network gateway')
  const network = new BlockList()
  network.addSubnet(subnet?.[1] as string, Number(subnet?.[2]))
  t.ok(network.check(gateway as string), 'the gateway is inside the subnet')
  // Both services sit on that network, so the server's peer address really is in it.
  t.equal(compose.match(/networks:\n\s+- rotor\n/g)?.length, 2, 'rotor and redis are on the rotor network')
})

t.test('.env.example shows the same default', async (t) => {
  const example = await readFile(join(REPO_ROOT, '.env.example'), 'utf8')
  const shown = /^# TRUST_PROXY=(\S+)/m.exec(example)?.[1]
  t.equal(shown, /TRUST_PROXY: \$\{TRUST_PROXY:-([^}]+)\}/.exec(compose)?.[1])
})
