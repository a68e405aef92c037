// csicall: one CSI call from the command line, for tests inside lab VMs.
//
//	csicall [-endpoint unix:///run/meshstor/csi.sock] [-timeout 120s] METHOD [JSON]
//
// METHOD is a full gRPC method name ("csi.v1.Node/NodeStageVolume") and JSON
// the request in protobuf's JSON mapping ("{}" when absent). The response is
// printed as JSON on stdout; a failed call prints "CODE: message" on stderr
// and exits 1. Test tooling only: the product is C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "csicall: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	endpoint := flag.String("endpoint", "unix:///run/meshstor/csi.sock", "CSI endpoint")
	timeout := flag.Duration("timeout", 120*time.Second, "deadline of the call")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fail("usage: csicall [-endpoint E] [-timeout D] SERVICE/METHOD [JSON]")
	}
	method := strings.TrimPrefix(flag.Arg(0), "/")
	body := "{}"
	if flag.NArg() == 2 {
		body = flag.Arg(1)
	}
	svcName, mName, ok := strings.Cut(method, "/")
	if !ok {
		fail("method %q is not SERVICE/METHOD", method)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svcName))
	if err != nil {
		fail("unknown service %s", svcName)
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(mName))
	if md == nil {
		fail("unknown method %s", method)
	}
	req := dynamicpb.NewMessage(md.Input())
	if err := protojson.Unmarshal([]byte(body), req); err != nil {
		fail("request: %v", err)
	}
	resp := dynamicpb.NewMessage(md.Output())
	conn, err := grpc.NewClient(*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail("%v", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := conn.Invoke(ctx, "/"+method, req, resp); err != nil {
		s := status.Convert(err)
		fmt.Fprintf(os.Stderr, "%s: %s\n", s.Code(), s.Message())
		os.Exit(1)
	}
	out, err := protojson.MarshalOptions{EmitUnpopulated: false}.Marshal(resp)
	if err != nil {
		fail("response: %v", err)
	}
	fmt.Println(string(out))
}
