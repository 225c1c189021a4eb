//! Reading inputs: files, directories and stdin, in every supported format.
