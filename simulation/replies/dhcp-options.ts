/**
 * DHCP options (RFC 2132 and later): the code table MidoNet knows and the parser
 * that turns a host's extra option (name or code, text value) into option bytes.
 *
 * Words:
 *  - unit: the option's element length in MidoNet's table (4 for address
 *    lists, 1 for strings); an extra option's value must be a non-empty
 *    multiple of it, else the option is ignored.
 *  - kind: how the text value is parsed (address list, number list, boolean,
 *    CIDR pairs, RFC 3442 routes, RFC 3397 domain list, plain string...).
 *
 * Compatibility notes (MidoNet's DhcpValueParser and DHCPOption.Code):
 *  - a code given as a number must fit a signed byte (so 128..255 only by name);
 *  - names are upper-cased with '-' → '_', so the two table names that contain
 *    a space ("DOMAIN NAME", "BROADCAST ADDRESS") match only when spelled so;
 *  - a 2-byte number outside the signed 16-bit range leaves zeros in its slot;
 *  - options outside the table are ignored.
 */

import { parseIpv4, parseIpv4Subnet, prefixMask, writeIpv4 } from '../packet/addr.js';

type Kind =
  | 'ips' | 'ip' | 'num' | 'byte' | 'bool' | 'cidr' | 'n1248' | 'n1to3' | 'n1to8'
  | 'byteStr' | 'boolIps' | 'boolStr' | 'rapid' | 'statusStr' | 'routes' | 'domains' | 'str';

interface OptionDef {
  readonly code: number;
  readonly unit: number;
  readonly name: string;
  readonly kind: Kind;
}

// code:unit:NAME, MidoNet's table (its spellings kept: they are lookup keys).
const TABLE =
  '1:4:SUBNET_MASK 2:4:TIME_OFFSET 3:4:ROUTER 4:4:TIME_SERVER 5:4:NAME_SERVER 6:4:DNS ' +
  '7:4:LOG_SERVER 8:4:QUOTES_SERVER 9:4:LPR_SERVER 10:4:IMPRESS_SERVER 11:4:RESOURCE_LOCATION_SERVER ' +
  '12:1:HOST_NAME 13:2:BOOT_FILE_SIZE 14:1:MERIT_DUMP_FILE 15:1:DOMAIN\u00a0NAME 16:4:SWAP_SERVER ' +
  '17:1:ROOT_PATH 18:1:EXTENSION_PATH 19:1:IP_FOWARDING_ENABLE_DISABLE ' +
  '20:1:NON_LOCAL_SOURCE_ROUTING_ENABLE_DISABLE 21:8:POLICY_FILTER 22:2:MAXIMUM_DATAGRAM_REASSEMBLY_SIZE ' +
  '23:1:DEFAULT_IP_TTL 24:4:PATH_MTU_AGING_TIMEOUT 25:2:PATH_MTU_PLATEAU_TABLE 26:2:INTERFACE_MTU ' +
  '27:1:ALL_SUBNETS_ARE_LOCAL 28:4:BROADCAST\u00a0ADDRESS 29:1:PERFORM_MASK_DISCOVERY 30:1:MASK_SUPPLIER ' +
  '31:1:PERFORME_ROUTER_DISCOVERY 32:4:ROUTER_SOLITATION_ADDRESS 33:8:STATIC_ROUTE ' +
  '34:1:TRAILER_ENCAPSULATION_OPTION 35:4:ARP_CACHE_TIMEOUT 36:1:ETHERNET_ENCAPSULATION ' +
  '37:1:TCP_DEFAULT_TTL 38:4:TCP_KEEPALIVE_INTERVAL 39:1:TCP_KEEPALIVE_GARBAGE 40:1:NIS_DOMAIN ' +
  '41:4:NIS_SERVERS 42:4:NTP_SERVERS 43:1:VENDOR_SPECIFIC_INFORMATION ' +
  '44:4:NETBIOS_OVER_TCP_IP_NAME_SERVER 45:4:NETBIOS_OVER_TCP_IP_DATAGRAM_DISTRIBUTION_SERVER ' +
  '46:1:NETBIOS_OVER_TCP_IP_NODE_TYPE 47:1:NETBIOS_OVER_TCP_IP_SCOPE 48:4:X_WINDOW_SYSTEM_FONT_SRVER ' +
  '49:4:X_WINDOW_SYSTEM_DISPLAY_MANGER 50:4:REQUESTED_IP 51:4:IP_LEASE_TIME 52:1:OPTION_OVERLOAD ' +
  '53:1:DHCP_MESSAGE_TYPE 54:4:SERVER_ID 55:1:PARAMETER_REQUEST_LIST 56:1:ERROR_MESSAGE ' +
  '57:2:MAXIMUM_DHCP_MESSAGE_SIZE 58:4:RENEWAL_TIME_VALUE 59:4:REBINDING_TIME_VALUE ' +
  '60:1:CLASS_IDENTIFIER 61:1:CLIENT_IDENTIFIER 62:1:NWIP_DOMAIN 63:1:NWIP_SUBOPTIONS ' +
  '64:1:NETWORK_INFORMATION_SREVICE_AND_DOMAIN 65:4:NETWORK_INFORMATION_SREVICE_AND_SERVERS ' +
  '66:1:TFTP_SERVER_NAME 67:1:BOOTFILE_NAME 68:4:MOBILE_IP_HOME_AGENT ' +
  '69:4:SIMPLE_MAIL_TRANSPORT_PROTOCOL_SERVER 70:4:POST_OFFICE_PROTOCOL_SERVER ' +
  '71:4:NETWORK_NEWS_TRANSPORT_PROTOCOL_SERVER 72:4:DEFAULT_WORLD_WIDE_WEB_SERVER ' +
  '73:4:DEFAULT_FINGER_SERVER 74:4:DEFAULT_INTERNET_RELAY_CHAT_SERVER 75:4:STREETTALK_SERVER ' +
  '76:4:STREETTALK_DIRECTORY_ASSISTANCE_SERVER 77:1:USER_CLASS 78:1:SLP_DIRECTORY_AGENT ' +
  '79:1:SLP_SERVICE_SCOPE 80:1:RAPID_COMMIT 81:1:CLIENT_FQDN 83:1:STORAGE_NS 85:4:NDS_SERVERS ' +
  '86:1:NDS_TREE_NAME 87:1:NDS_CONTEXT 88:1:BCMS_CONTROLLLER_NAMES 89:1:BCMS_CONTROLLLER_ADDRESS ' +
  '90:1:DHCP_AUTH 91:4:DHCP_CLIENT_LAST_TIME 92:4:ASSOCIATED_IP 93:2:SYSTEM_ARCHITECTURE ' +
  '94:1:INTERFACE_ID 95:4:LDAP_SERVERS 97:1:MACHINE_ID 98:1:USER_AUTH 99:1:GEOCONF_CIVIC 100:1:PCODE ' +
  '101:1:TCODE 112:1:NETINFO_SERVER_ADDRESS 113:1:NETINFO_SERVER_TAG 114:1:DEFAULT_URL ' +
  '116:1:AUTO_CONFIGURE 117:2:NAME_SEARCH 118:4:SUBNET_SELECTION 119:1:DOMAIN_SEARCH 120:1:SIP_SERVERS ' +
  '121:1:CLASSLESS_STATIC_ROUTES 122:1:DHCP_CCC 123:16:DHCP_GEOCONF 124:1:VENDOR_CLASS_IDENTIFIER ' +
  '125:1:VIVSO 128:4:TFTP_SERVER 129:1:PXE_VENDOR_SPECIFIC_129 130:1:PXE_VENDOR_SPECIFIC_130 ' +
  '131:1:PXE_VENDOR_SPECIFIC_131 132:1:PXE_VENDOR_SPECIFIC_132 133:1:PXE_VENDOR_SPECIFIC_133 ' +
  '134:1:PXE_VENDOR_SPECIFIC_134 135:1:PXE_VENDOR_SPECIFIC_135 136:4:PANA_AGENT 137:1:LOST_SERVER ' +
  '138:4:CAPWAP_AC_V4 139:1:DHCP_MOS 140:1:DHCP_FQDN_MOS 141:1:SIP_UA_CONFIG_DOMAIN ' +
  '142:4:ANDSF_SERVERS 144:16:DHCP_GEOLOC 145:1:FORCE_RENEW_NONCE_CAP 146:1:RDNSS_SELECTION ' +
  '150:4:TFTP_SERVER_ADDRESS 151:1:STATUS_CODE 152:4:DHCP_BASE_TIME 153:4:DHCP_STATE_START_TIME ' +
  '154:4:DHCP_QUERY_START_TIME 155:4:DHCP_QUERY_END_TIME 156:1:DHCP_STATE 157:1:DATA_SOURCE ' +
  '158:1:PCP_SERVER 208:4:DHCP_PXE_MAGIC 209:1:CONFIG_FILE 210:4:PATH_PREFIX 211:4:REBOOT_TIME ' +
  '212:1:DHCP_6RD 213:1:DHCP_ACCESS_DOMAIN 220:1:SUBNET_ALLOCATION 221:1:VSS_OPTION 221:1:DHCP_VSS';

const KINDS: ReadonlyArray<readonly [Kind, readonly number[]]> = [
  ['ips', [3, 4, 5, 6, 7, 8, 9, 10, 11, 41, 42, 44, 45, 48, 49, 65, 68, 69, 70, 71, 72, 73, 74, 75, 76, 85, 92, 95, 113, 128, 136, 138, 142, 150]],
  ['ip', [1, 16, 28, 32, 50, 54, 118]],
  ['num', [2, 13, 22, 24, 25, 26, 35, 38, 51, 57, 58, 59, 91, 93, 117, 152, 153, 154, 155, 208, 211]],
  ['bool', [19, 20, 27, 29, 30, 34, 36, 39, 116]],
  ['cidr', [21, 33]],
  ['n1248', [46]],
  ['n1to3', [52]],
  ['n1to8', [56, 156]],
  ['byteStr', [61, 221]],
  ['boolIps', [78]],
  ['boolStr', [79]],
  ['rapid', [80]],
  ['statusStr', [151]],
  ['byte', [23, 37, 157]],
  ['routes', [121]],
  ['domains', [119]],
];

const BY_CODE = new Map<number, OptionDef>();
const BY_NAME = new Map<string, number>();
for (const entry of TABLE.split(' ')) {
  const [c, u, n] = entry.split(':') as [string, string, string];
  const code = Number(c);
  const name = n.replace('\u00a0', ' ');
  let kind: Kind = 'str';
  for (const [k, codes] of KINDS) if (codes.includes(code)) kind = k;
  BY_CODE.set(code, { code, unit: Number(u), name, kind });
  BY_NAME.set(name, code);
}

/** The option code for an extra option's name: a signed-byte number, or a table name. */
export function optionCode(name: string): number | null {
  const t = name.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const n = Number(t);
    return n >= -128 && n <= 127 ? n & 0xff : null;
  }
  const code = BY_NAME.get(t.replace(/-/g, '_').toUpperCase());
  return code === undefined ? null : code;
}

/** Encodes an extra option's value, or null when it is invalid (then it is ignored). */
export function encodeExtraOption(name: string, value: string): { code: number; data: Uint8Array } | null {
  const code = optionCode(name);
  if (code === null) return null;
  const def = BY_CODE.get(code);
  if (def === undefined) return null;
  const data = parseValue(def, value);
  if (data === null || data.length === 0 || data.length % def.unit !== 0 || data.length > 255) return null;
  return { code, data };
}

function parseValue(def: OptionDef, value: string): Uint8Array | null {
  switch (def.kind) {
    case 'ips': return ipList(value);
    case 'ip': return singleIp(value);
    case 'num': return numbers(value, def.unit);
    case 'bool': return boolean(value);
    case 'cidr': return cidrs(value);
    case 'n1248': return enumByte(value, [1, 2, 4, 8]);
    case 'n1to3': return enumByte(value, [1, 2, 3]);
    case 'n1to8': return enumByte(value, [1, 2, 3, 4, 5, 6, 7, 8]);
    case 'byte': return enumByte(value, RANGE_0_31);
    case 'byteStr': return byteThenString(value, (s) => enumByte(s, RANGE_0_31));
    case 'boolIps': return byteThenIps(value);
    case 'boolStr': return byteThenString(value, boolean);
    case 'statusStr': return byteThenString(value, (s) => enumByte(s, [0, 1, 2, 3, 4]));
    case 'rapid': return Uint8Array.of(80, 0);
    case 'routes': return classlessRoutes(value);
    case 'domains': return domainSearch(value);
    case 'str': return utf8(value);
  }
}

const RANGE_0_31 = Array.from({ length: 32 }, (_, i) => i);

function splitComma(s: string): string[] {
  return s.replace(/\s/g, '').split(',');
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function singleIp(s: string): Uint8Array | null {
  const ip = parseIpv4(s.trim());
  if (ip === null) return null;
  const b = new Uint8Array(4);
  writeIpv4(b, 0, ip);
  return b;
}

function ipList(s: string): Uint8Array | null {
  const parts: Uint8Array[] = [];
  for (const p of splitComma(s)) {
    const b = singleIp(p);
    if (b === null) return null;
    parts.push(b);
  }
  return concat(parts);
}

function numbers(s: string, len: number): Uint8Array | null {
  if (len !== 2 && len !== 4) return null;
  const items = splitComma(s);
  const out = new Uint8Array(len * items.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < items.length; i++) {
    const t = items[i]!;
    if (!/^[+-]?\d+$/.test(t)) return null;
    const n = Number(t);
    if (n > 0x7fffffff || n < -0x80000000) return null;
    // Quirk: a 2-byte value out of range is skipped, leaving its slot zero.
    if (len === 2) {
      if (n <= 0x7fff && n >= -0x8000) dv.setInt16(i * 2, n);
    } else dv.setInt32(i * 4, n);
  }
  return out;
}

function boolean(s: string): Uint8Array | null {
  const t = s.trim().toLowerCase();
  if (t === 'true') return Uint8Array.of(1);
  if (t === 'false') return Uint8Array.of(0);
  return enumByte(s, [0, 1]);
}

/** A small number written as decimal or 0x-hex (one or two digits), if allowed. */
function enumByte(s: string, allowed: readonly number[]): Uint8Array | null {
  const t = s.trim().toLowerCase();
  let n: number;
  if (/^(0|[1-9]\d*)$/.test(t)) n = Number(t);
  else if (/^0x[0-9a-f]{1,2}$/.test(t)) n = parseInt(t.slice(2), 16);
  else return null;
  return allowed.includes(n) ? Uint8Array.of(n) : null;
}

function byteThenString(s: string, first: (s: string) => Uint8Array | null): Uint8Array | null {
  const comma = s.indexOf(',');
  if (comma < 0) return null;
  const head = first(s.slice(0, comma));
  if (head === null) return null;
  return concat([head, utf8(s.slice(comma + 1).trim())]);
}

function byteThenIps(s: string): Uint8Array | null {
  const comma = s.indexOf(',');
  if (comma < 0) return null;
  const head = boolean(s.slice(0, comma));
  const ips = ipList(s.slice(comma + 1));
  return head === null || ips === null ? null : concat([head, ips]);
}

/** Network address and netmask, 8 bytes per CIDR. */
function cidrs(s: string): Uint8Array | null {
  const parts: Uint8Array[] = [];
  for (const c of splitComma(s)) {
    const sn = parseIpv4Subnet(c);
    if (sn === null) return null;
    const b = new Uint8Array(8);
    writeIpv4(b, 0, (sn.address & sn.mask) >>> 0);
    writeIpv4(b, 4, sn.mask);
    parts.push(b);
  }
  return concat(parts);
}

/** RFC 3442 from "dst/len,router,dst/len,router...". */
function classlessRoutes(s: string): Uint8Array | null {
  const items = splitComma(s);
  if (items.length % 2 !== 0) return null;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const sn = parseIpv4Subnet(items[i]!);
    const gw = parseIpv4(items[i + 1]!);
    if (sn === null || gw === null) return null;
    parts.push(encodeClasslessRoute(sn.address, sn.prefixLen, gw));
  }
  return concat(parts);
}

/** One RFC 3442 route: prefix length, the significant destination octets, the router. */
export function encodeClasslessRoute(dst: number, prefixLen: number, gateway: number): Uint8Array {
  const sig = Math.ceil(prefixLen / 8);
  const b = new Uint8Array(1 + sig + 4);
  b[0] = prefixLen;
  const masked = (dst & prefixMask(prefixLen)) >>> 0;
  for (let i = 0; i < sig; i++) b[1 + i] = (masked >>> (24 - 8 * i)) & 0xff;
  writeIpv4(b, 1 + sig, gateway);
  return b;
}

/**
 * RFC 3397 domain search list with name compression, as MidoNet encodes it:
 * each domain reuses the longest already-written suffix through a pointer.
 */
function domainSearch(s: string): Uint8Array | null {
  const offsets = new Map<string, number>();
  const out: number[] = [];
  for (const raw of s.split(',')) {
    const domain = raw.trim();
    let matchPos = -1;
    let matchAt = -1;
    for (let i = 0; i >= 0 && i <= domain.length; ) {
      const pos = offsets.get(domain.slice(i));
      if (pos !== undefined) {
        matchPos = pos;
        matchAt = i;
        break;
      }
      const dot = domain.indexOf('.', i);
      i = dot < 0 ? -1 : dot + 1;
    }
    offsets.set(domain, out.length);
    if (matchPos >= 0) {
      const partial = domain.slice(matchAt);
      const labels = domain.slice(0, Math.max(matchAt - 1, 0)).split('.');
      for (let i = 0; i < labels.length; i++) {
        offsets.set(`${labels.slice(i).join('.')}.${partial}`, out.length);
        pushLabel(out, labels[i]!);
      }
      out.push((matchPos >> 8) | 0xc0, matchPos & 0xff);
    } else {
      const labels = domain.split('.');
      for (let i = 0; i < labels.length; i++) {
        if (i < labels.length - 1) offsets.set(labels.slice(i).join('.'), out.length);
        pushLabel(out, labels[i]!);
      }
      out.push(0);
    }
  }
  return out.length === 0 ? null : Uint8Array.from(out);
}

function pushLabel(out: number[], label: string): void {
  const b = utf8(label);
  out.push(b.length & 0xff);
  for (const x of b) out.push(x);
}

/** UTF-8 bytes of a string (no TextEncoder in the pure simulation build). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
