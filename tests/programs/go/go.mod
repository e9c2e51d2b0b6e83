module heaplab.test/goprog

go 1.19
