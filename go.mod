module luoshi

go 1.26
