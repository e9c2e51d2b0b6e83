module heaplab/twins

go 1.19
