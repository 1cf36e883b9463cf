/*
 * nl-bench.c — the physical limit for bench/datapath: the same netlink work as the TypeScript
 * dpif, in plain C, so the benchmark can print both and their ratio.
 *
 *   nl-bench send FILE BATCH        replay FILE (records: u32 length + one netlink message) with
 *                                   sendmmsg BATCH messages at a time; prints msgs/s
 *   nl-bench put FLOW_FAM DP_IFINDEX IN_PORT OUT_PORT COUNT BATCH FIRST_ID FILE
 *                                   the flow-put benchmark proper: for each flow, fill a match
 *                                   struct (the bench's UDP flow number FIRST_ID+i), encode
 *                                   KEY, ACTIONS and the megaflow MASK from it into the batch
 *                                   buffer, sendmmsg BATCH at a time, drain error replies. FILE
 *                                   holds the addon's messages for the same flows: checked
 *                                   byte for byte (seq aside) before the timed run
 *   nl-bench upcall VPORT_FAM PKT_FAM DP_IFINDEX IFNAME OUT_PORT COUNT
 *                                   create a netdev vport IFNAME whose upcall pid is this socket,
 *                                   then answer COUNT upcalls with EXECUTE(key, output OUT_PORT,
 *                                   packet) using recvmmsg batches; prints round trips/s
 *   nl-bench gen IFNAME COUNT       send COUNT distinct Ethernet frames on IFNAME (AF_PACKET,
 *                                   sendmmsg); the load generator for the upcall benchmarks
 * Built on demand by bench/datapath/dpif.ts with `gcc -O2`. Linux only; needs root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAXB 64
#define SLOT 16384

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  int one = 1, buf = 2 << 20;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("netlink"); exit(1); }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  return fd;
}

static int bench_send(const char *file, int batch) {
  FILE *f = fopen(file, "rb");
  if (!f) { perror(file); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  rewind(f);
  uint8_t *data = malloc(size);
  if (fread(data, 1, size, f) != (size_t)size) { perror("read"); return 1; }
  fclose(f);
  int n = 0;
  for (long o = 0; o < size; n++) o += 4 + *(uint32_t *)(data + o);
  struct iovec *iov = calloc(n, sizeof *iov);
  struct mmsghdr *mm = calloc(n, sizeof *mm);
  struct sockaddr_nl k = {.nl_family = AF_NETLINK};
  long o = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = *(uint32_t *)(data + o);
    iov[i].iov_base = data + o + 4;
    iov[i].iov_len = len;
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_name = &k;
    mm[i].msg_hdr.msg_namelen = sizeof k;
    o += 4 + len;
  }
  int fd = nl_open();
  char rx[65536];
  int errors = 0;
  double t0 = now();
  for (int i = 0; i < n; i += batch) {
    int c = n - i < batch ? n - i : batch;
    if (sendmmsg(fd, mm + i, c, 0) != c) { perror("sendmmsg"); return 1; }
    for (;;) {  /* drain error replies, as the dpif does */
      ssize_t r = recv(fd, rx, sizeof rx, MSG_DONTWAIT);
      if (r <= 0) break;
      errors++;
    }
  }
  double dt = now() - t0;
  printf("{\"msgs\":%d,\"seconds\":%.6f,\"rate\":%.1f,\"errorReplies\":%d}\n", n, dt, n / dt, errors);
  return 0;
}

static int put_attr(uint8_t *b, int off, int type, const void *p, int len) {
  struct nlattr *a = (struct nlattr *)(b + off);
  a->nla_type = type;
  a->nla_len = NLA_HDRLEN + len;
  memcpy(b + off + NLA_HDRLEN, p, len);
  int total = NLA_ALIGN(a->nla_len);
  memset(b + off + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
  return off + total;
}

static int msg_start(uint8_t *b, int family, int flags, int cmd, int version, int ifindex) {
  struct nlmsghdr *h = (struct nlmsghdr *)b;
  memset(b, 0, NLMSG_HDRLEN + 8);
  h->nlmsg_type = family;
  h->nlmsg_flags = flags;
  h->nlmsg_seq = 1;
  b[NLMSG_HDRLEN] = cmd;
  b[NLMSG_HDRLEN + 1] = version;
  memcpy(b + NLMSG_HDRLEN + 4, &ifindex, 4);
  return NLMSG_HDRLEN + 8;
}

/* A flow match as the bench's simulation leaves it: values plus the fields it read. */
enum { SEEN_IN_PORT = 1, SEEN_ETH = 2, SEEN_NW_SRC = 4, SEEN_NW_DST = 8, SEEN_TP_SRC = 16, SEEN_TP_DST = 32 };
struct match {
  uint32_t in_port, nw_src, nw_dst, seen;
  uint8_t eth_src[6], eth_dst[6];
  uint16_t eth_type, tp_src, tp_dst;
  uint8_t proto, tos, ttl, frag;
};

static int nest_start(uint8_t *b, int o) { return o + NLA_HDRLEN; }
static int nest_end(uint8_t *b, int start, int o, int type) {
  struct nlattr *a = (struct nlattr *)(b + start - NLA_HDRLEN);
  a->nla_type = type | NLA_F_NESTED;
  a->nla_len = o - (start - NLA_HDRLEN);
  return o;
}

/* KEY (in_port, eth, eth_type, ipv4, udp), ACTIONS (output), MASK: the addon's attribute order. */
static int build_put(uint8_t *b, int fam, int dpif, uint32_t seq, const struct match *m, uint32_t out) {
  int o = msg_start(b, fam, NLM_F_REQUEST | NLM_F_CREATE, 1 /* FLOW NEW */, 1, dpif);
  ((struct nlmsghdr *)b)->nlmsg_seq = seq;
  uint16_t et = htons(m->eth_type), sp = htons(m->tp_src), dp = htons(m->tp_dst);
  uint8_t eth[12], ip4[12], l4[4];
  int k = o = nest_start(b, o);
  o = put_attr(b, o, 3 /* IN_PORT */, &m->in_port, 4);
  memcpy(eth, m->eth_src, 6); memcpy(eth + 6, m->eth_dst, 6);
  o = put_attr(b, o, 4 /* ETHERNET */, eth, 12);
  o = put_attr(b, o, 6 /* ETHERTYPE */, &et, 2);
  uint32_t s = htonl(m->nw_src), d = htonl(m->nw_dst);
  memcpy(ip4, &s, 4); memcpy(ip4 + 4, &d, 4);
  ip4[8] = m->proto; ip4[9] = m->tos; ip4[10] = m->ttl; ip4[11] = m->frag;
  o = put_attr(b, o, 7 /* IPV4 */, ip4, 12);
  memcpy(l4, &sp, 2); memcpy(l4 + 2, &dp, 2);
  o = put_attr(b, o, 10 /* UDP */, l4, 4);
  o = nest_end(b, k, o, 1 /* FLOW KEY */);
  int a = o = nest_start(b, o);
  o = put_attr(b, o, 1 /* OUTPUT */, &out, 4);
  o = nest_end(b, a, o, 2 /* FLOW ACTIONS */);
  /* Mask: exact on what was read, plus what the kernel requires to be exact (ethertype, the
   * protocol and fragment type of an L4 match), as odp-flow-mask.ts does. */
  int mk = o = nest_start(b, o);
  uint32_t all = 0xffffffff, zero = 0;
  o = put_attr(b, o, 3, (m->seen & SEEN_IN_PORT) ? &all : &zero, 4);
  if (m->seen & SEEN_ETH) { memset(eth, 0xff, 12); o = put_attr(b, o, 4, eth, 12); }
  uint16_t ffff = 0xffff;
  o = put_attr(b, o, 6, &ffff, 2);
  memset(ip4, 0, 12);
  if (m->seen & SEEN_NW_SRC) memset(ip4, 0xff, 4);
  if (m->seen & SEEN_NW_DST) memset(ip4 + 4, 0xff, 4);
  ip4[8] = 0xff; ip4[11] = 0xff;
  o = put_attr(b, o, 7, ip4, 12);
  memset(l4, 0, 4);
  if (m->seen & SEEN_TP_SRC) memset(l4, 0xff, 2);
  if (m->seen & SEEN_TP_DST) memset(l4 + 2, 0xff, 2);
  o = put_attr(b, o, 10, l4, 4);
  o = nest_end(b, mk, o, 7 /* FLOW MASK */);
  ((struct nlmsghdr *)b)->nlmsg_len = o;
  return o;
}

/* The bench's flow number id (bench/datapath/dpif.ts nextFlows). */
static void flow_match(struct match *m, uint32_t in_port, uint32_t id) {
  memset(m, 0, sizeof *m);
  m->in_port = in_port;
  uint8_t src[6] = {2, 0, 0, 0, 0, 1}, dst[6] = {2, 0, 0, 0, 0, 2};
  memcpy(m->eth_src, src, 6); memcpy(m->eth_dst, dst, 6);
  m->eth_type = 0x0800;
  m->nw_src = 0x0a000000 + (id >> 8); m->nw_dst = 0x0b000000 + (id & 0xff);
  m->proto = 17; m->tos = 0; m->ttl = 64; m->frag = 0;
  m->tp_src = 1000; m->tp_dst = 53;
  m->seen = SEEN_IN_PORT | SEEN_NW_SRC | SEEN_NW_DST | SEEN_TP_DST;
}

static int bench_put(int fam, int dpif, uint32_t in_port, uint32_t out, int n, int batch, uint32_t first, const char *file) {
  if (batch > MAXB) batch = MAXB;
  FILE *f = fopen(file, "rb");
  if (!f) { perror(file); return 1; }
  uint8_t msg[1024], ref[1024];
  struct match m;
  for (int i = 0; i < n; i++) {  /* untimed: the same bytes as the addon's, or no figure */
    uint32_t len;
    if (fread(&len, 4, 1, f) != 1 || len > sizeof ref || fread(ref, 1, len, f) != len) { fprintf(stderr, "%s: short\n", file); return 1; }
    flow_match(&m, in_port, first + i);
    int l = build_put(msg, fam, dpif, 0, &m, out);
    memset(ref + 8, 0, 4);
    if ((uint32_t)l != len || memcmp(msg, ref, len) != 0) { fprintf(stderr, "put: flow %d differs from the addon's message\n", i); return 1; }
  }
  fclose(f);
  int fd = nl_open();
  uint8_t *buf = malloc(MAXB * 1024);
  struct iovec iov[MAXB];
  struct mmsghdr mm[MAXB];
  struct sockaddr_nl k = {.nl_family = AF_NETLINK};
  char rx[65536];
  int errors = 0;
  double t0 = now();
  for (int i = 0; i < n; i += batch) {
    int c = n - i < batch ? n - i : batch;
    for (int j = 0; j < c; j++) {
      flow_match(&m, in_port, first + i + j);
      uint8_t *b = buf + j * 1024;
      int l = build_put(b, fam, dpif, i + j + 1, &m, out);
      iov[j].iov_base = b;
      iov[j].iov_len = l;
      memset(&mm[j], 0, sizeof mm[j]);
      mm[j].msg_hdr.msg_iov = &iov[j];
      mm[j].msg_hdr.msg_iovlen = 1;
      mm[j].msg_hdr.msg_name = &k;
      mm[j].msg_hdr.msg_namelen = sizeof k;
    }
    if (sendmmsg(fd, mm, c, 0) != c) { perror("sendmmsg"); return 1; }
    for (;;) {
      ssize_t r = recv(fd, rx, sizeof rx, MSG_DONTWAIT);
      if (r <= 0) break;
      errors++;
    }
  }
  double dt = now() - t0;
  printf("{\"msgs\":%d,\"seconds\":%.6f,\"rate\":%.1f,\"errorReplies\":%d}\n", n, dt, n / dt, errors);
  return 0;
}

static int bench_upcall(int vfam, int pfam, int dpif, const char *ifname, uint32_t out, int count) {
  int fd = nl_open();
  struct sockaddr_nl me;
  socklen_t sl = sizeof me;
  getsockname(fd, (struct sockaddr *)&me, &sl);
  uint8_t req[512];
  int o = msg_start(req, vfam, NLM_F_REQUEST | NLM_F_ACK, 1 /* VPORT NEW */, 1, dpif);
  uint32_t pid = me.nl_pid, type = 1 /* NETDEV */;
  o = put_attr(req, o, 5 /* UPCALL_PID */, &pid, 4);
  o = put_attr(req, o, 3 /* NAME */, ifname, strlen(ifname) + 1);
  o = put_attr(req, o, 2 /* TYPE */, &type, 4);
  ((struct nlmsghdr *)req)->nlmsg_len = o;
  struct sockaddr_nl k = {.nl_family = AF_NETLINK};
  sendto(fd, req, o, 0, (struct sockaddr *)&k, sizeof k);
  uint8_t *slots = malloc(SLOT * MAXB), *ex = malloc(SLOT * MAXB);
  ssize_t r = recv(fd, slots, SLOT, 0);
  struct nlmsgerr *e = (struct nlmsgerr *)NLMSG_DATA(slots);
  if (r < 0 || ((struct nlmsghdr *)slots)->nlmsg_type != NLMSG_ERROR || e->error != 0) {
    fprintf(stderr, "vport create failed: %s\n", strerror(r < 0 ? errno : -e->error));
    return 1;
  }
  struct timeval tv = {.tv_sec = 2};  /* stop after 2 s without upcalls: lost ones never come */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  printf("ready\n");
  fflush(stdout);
  struct iovec iov[MAXB], oiov[MAXB];
  struct mmsghdr mm[MAXB], om[MAXB];
  for (int i = 0; i < MAXB; i++) {
    iov[i].iov_base = slots + i * SLOT;
    iov[i].iov_len = SLOT;
    memset(&mm[i], 0, sizeof mm[i]);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  int done = 0;
  double t0 = 0, t1 = 0;
  while (done < count) {
    int n = recvmmsg(fd, mm, MAXB, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && t0 != 0) break;
      if (errno == EAGAIN) continue;
      perror("recvmmsg");
      return 1;
    }
    if (t0 == 0) t0 = now();
    t1 = now();
    int m = 0;
    for (int i = 0; i < n; i++) {
      uint8_t *b = slots + i * SLOT;
      struct nlmsghdr *h = (struct nlmsghdr *)b;
      if (h->nlmsg_type != pfam) continue;
      uint8_t *key = NULL, *pkt = NULL;
      int klen = 0, plen = 0;
      for (int a = NLMSG_HDRLEN + 8; a + NLA_HDRLEN <= (int)h->nlmsg_len;) {
        struct nlattr *at = (struct nlattr *)(b + a);
        if (at->nla_len < NLA_HDRLEN) break;
        int t = at->nla_type & NLA_TYPE_MASK;
        if (t == 1) { pkt = b + a + NLA_HDRLEN; plen = at->nla_len - NLA_HDRLEN; }
        if (t == 2) { key = b + a + NLA_HDRLEN; klen = at->nla_len - NLA_HDRLEN; }
        a += NLA_ALIGN(at->nla_len);
      }
      if (!key || !pkt) continue;
      uint8_t *x = ex + m * SLOT;
      int xo = msg_start(x, pfam, NLM_F_REQUEST, 3 /* EXECUTE */, 1, dpif);
      xo = put_attr(x, xo, 2 | NLA_F_NESTED, key, klen);
      uint8_t act[8];
      struct nlattr *oa = (struct nlattr *)act;
      oa->nla_type = 1; /* OUTPUT */
      oa->nla_len = 8;
      memcpy(act + 4, &out, 4);
      xo = put_attr(x, xo, 3 | NLA_F_NESTED, act, 8);
      xo = put_attr(x, xo, 1, pkt, plen);
      ((struct nlmsghdr *)x)->nlmsg_len = xo;
      oiov[m].iov_base = x;
      oiov[m].iov_len = xo;
      memset(&om[m], 0, sizeof om[m]);
      om[m].msg_hdr.msg_iov = &oiov[m];
      om[m].msg_hdr.msg_iovlen = 1;
      om[m].msg_hdr.msg_name = &k;
      om[m].msg_hdr.msg_namelen = sizeof k;
      m++;
    }
    if (m > 0) sendmmsg(fd, om, m, 0);
    done += m;
  }
  double dt = t1 - t0;
  printf("{\"roundTrips\":%d,\"seconds\":%.6f,\"rate\":%.1f}\n", done, dt, done / dt);
  return 0;
}

static int bench_gen(const char *ifname, int count) {
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  struct sockaddr_ll sa = {.sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(ifname)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("AF_PACKET"); return 1; }
  static uint8_t frames[MAXB][60];
  struct iovec iov[MAXB];
  struct mmsghdr mm[MAXB];
  for (int sent = 0; sent < count;) {
    int c = count - sent < MAXB ? count - sent : MAXB;
    for (int i = 0; i < c; i++) {
      uint8_t *f = frames[i];
      uint32_t id = htonl(sent + i);
      memset(f, 0, 60);
      f[0] = 0x02; f[5] = 0x02;             /* dst 02:00:00:00:00:02 */
      f[6] = 0x02; memcpy(f + 8, &id, 4);    /* src 02:00:<id>: one flow key each */
      f[12] = 0x88; f[13] = 0xb5;            /* local experimental ethertype */
      iov[i].iov_base = f;
      iov[i].iov_len = 60;
      memset(&mm[i], 0, sizeof mm[i]);
      mm[i].msg_hdr.msg_iov = &iov[i];
      mm[i].msg_hdr.msg_iovlen = 1;
    }
    int n = sendmmsg(fd, mm, c, 0);
    if (n < 0) { if (errno == ENOBUFS) { usleep(100); continue; } perror("sendmmsg"); return 1; }
    sent += n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "send")) return bench_send(argv[2], atoi(argv[3]));
  if (argc >= 10 && !strcmp(argv[1], "put"))
    return bench_put(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]),
                     strtoul(argv[8], NULL, 10), argv[9]);
  if (argc >= 8 && !strcmp(argv[1], "upcall"))
    return bench_upcall(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5], atoi(argv[6]), atoi(argv[7]));
  if (argc >= 4 && !strcmp(argv[1], "gen")) return bench_gen(argv[2], atoi(argv[3]));
  fprintf(stderr, "usage: nl-bench send FILE BATCH | put FAM DPIF IN OUT COUNT BATCH FIRST FILE | upcall VFAM PFAM DPIF IFNAME OUT COUNT | gen IFNAME COUNT\n");
  return 2;
}
