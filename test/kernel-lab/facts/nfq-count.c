/* nfq-count: binds NFQUEUE queues FIRST..LAST, accepts every packet, prints
 * "nfq <queue> <n> <IPv4 destination or ->" after each one (line-buffered), so a test can see
 * which packets reached a reader.
 * Build: gcc -O2 -o nfq-count nfq-count.c -lnetfilter_queue */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static unsigned long count;

static int cb(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  unsigned id = ph ? ntohl(ph->packet_id) : 0;
  unsigned char *p;
  char dst[INET_ADDRSTRLEN] = "-";
  int len = nfq_get_payload(nfa, &p);
  (void)msg;
  if (len >= 20 && (p[0] >> 4) == 4) inet_ntop(AF_INET, p + 16, dst, sizeof dst);
  printf("nfq %ld %lu %s\n", (long)(size_t)data, ++count, dst);
  fflush(stdout);
  return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
}

int main(int argc, char **argv) {
  int first = argc > 1 ? atoi(argv[1]) : 0, last = argc > 2 ? atoi(argv[2]) : first;
  struct nfq_handle *h = nfq_open();
  char buf[65536];
  int fd, n;
  if (!h) { perror("nfq_open"); return 1; }
  for (int q = first; q <= last; q++) {
    struct nfq_q_handle *qh = nfq_create_queue(h, q, &cb, (void *)(size_t)q);
    if (!qh) { perror("nfq_create_queue"); return 1; }
    if (nfq_set_mode(qh, NFQNL_COPY_PACKET, 128) < 0) { perror("nfq_set_mode"); return 1; }
  }
  printf("nfq ready %d-%d\n", first, last);
  fflush(stdout);
  fd = nfq_fd(h);
  while ((n = recv(fd, buf, sizeof buf, 0)) >= 0) nfq_handle_packet(h, buf, n);
  perror("recv");
  return 1;
}
